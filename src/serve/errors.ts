/** A request problem a client can fix; the message names the field and the bad value. */
export class RequestError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
    this.name = 'RequestError';
  }
}
