// Generates examples/text/headlines.csv: short made-up news headlines about sport, cooking,
// technology or weather, built from word lists and templates by this script (no real text).
// Each headline mixes topic words with neutral words, and about one in five also borrows a word
// from another topic, so a model has to weigh the words rather than spot one. Deterministic.
//   node examples/text/generate.mjs [rows=2000]
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const rows = Number(process.argv[2] ?? 2000);
const out = join(dirname(fileURLToPath(import.meta.url)), 'headlines.csv');

let state = 7031;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const TOPICS = {
  sport: {
    nouns: ['striker', 'goalkeeper', 'league', 'match', 'coach', 'stadium', 'tournament', 'referee', 'season', 'champions', 'marathon', 'relay', 'penalty', 'derby', 'transfer', 'squad'],
    verbs: ['scores', 'wins', 'defeats', 'trains for', 'qualifies for', 'draws with', 'signs for', 'celebrates'],
  },
  cooking: {
    nouns: ['recipe', 'soup', 'oven', 'chef', 'pastry', 'garlic', 'noodles', 'sauce', 'bakery', 'dessert', 'kitchen', 'spices', 'bread', 'salad', 'menu', 'dumplings'],
    verbs: ['bakes', 'simmers', 'roasts', 'tastes', 'seasons', 'serves', 'grills', 'whisks'],
  },
  technology: {
    nouns: ['software', 'startup', 'processor', 'smartphone', 'robot', 'algorithm', 'network', 'browser', 'laptop', 'server', 'update', 'chip', 'database', 'app', 'cloud', 'battery'],
    verbs: ['launches', 'upgrades', 'patches', 'releases', 'hacks', 'installs', 'benchmarks', 'recalls'],
  },
  weather: {
    nouns: ['storm', 'rain', 'heatwave', 'forecast', 'snow', 'wind', 'flood', 'drought', 'fog', 'thunder', 'frost', 'hail', 'sunshine', 'temperatures', 'clouds', 'humidity'],
    verbs: ['hits', 'sweeps', 'batters', 'brings', 'threatens', 'eases over', 'returns to', 'lingers over'],
  },
};
const NEUTRAL = {
  subjects: ['local', 'national', 'city', 'regional', 'new', 'record', 'surprise', 'weekend', 'big', 'early'],
  places: ['the capital', 'the north', 'the coast', 'downtown', 'the valley', 'the old town', 'the region', 'the suburbs'],
  times: ['today', 'this weekend', 'on monday', 'again', 'at last', 'tonight', 'this year', 'after delays'],
};

function headline(topic) {
  const t = TOPICS[topic];
  const others = Object.keys(TOPICS).filter((k) => k !== topic);
  const borrowed = rand() < 0.2 ? TOPICS[pick(others)].nouns : t.nouns;
  const templates = [
    () => `${pick(NEUTRAL.subjects)} ${pick(t.nouns)} ${pick(t.verbs)} ${pick(borrowed)} in ${pick(NEUTRAL.places)}`,
    () => `${pick(t.nouns)} ${pick(t.verbs)} ${pick(NEUTRAL.places)} ${pick(NEUTRAL.times)}`,
    () => `why the ${pick(NEUTRAL.subjects)} ${pick(t.nouns)} matters for ${pick(borrowed)} fans`,
    () => `${pick(NEUTRAL.times)}: ${pick(t.nouns)} and ${pick(borrowed)} ${pick(t.verbs)} ${pick(NEUTRAL.places)}`,
    () => `${pick(NEUTRAL.subjects)} ${pick(t.nouns)}, ${pick(NEUTRAL.subjects)} ${pick(borrowed)} ${pick(NEUTRAL.times)}`,
  ];
  const s = pick(templates)();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const topics = Object.keys(TOPICS);
const lines = ['headline,topic'];
for (let i = 0; i < rows; i++) {
  const topic = topics[i % topics.length];
  lines.push(`"${headline(topic).replace(/"/g, '""')}",${topic}`);
}
writeFileSync(out, lines.join('\n') + '\n');
console.log(`wrote ${rows} headlines to ${out}`);
