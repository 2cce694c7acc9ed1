/** Evaluation: metrics from plain arrays, and the run's report files. No TensorFlow.js here. */
export { evaluateClassification } from './classification';
export type { ClassificationReport, ClassificationOptions, ClassMetrics, AveragedMetrics, ClassCurves, Misclassification } from './classification';
export { evaluateRegression, histogram, quantile, MAX_PAIRS } from './regression';
export type { RegressionReport, ResidualSummary, Histogram } from './regression';
export { binaryCurves, thinRoc, thinPr, MAX_CURVE_POINTS } from './curves';
export type { RocCurve, PrCurve, BinaryCurves } from './curves';
export { createReport, writeReport, readReport, classificationSummary, regressionSummary, REPORT_JSON, REPORT_MD } from './report';
export type { Report, ReportExample, ReportModelSummary } from './report';
export { reportMarkdown } from './markdown';
