// Package optimize owns Tailor's black-box optimizers: a typed search space
// with a normalized encoding, and seeded ask/tell optimizers (random, scrambled
// Sobol, and Gaussian-process Bayesian optimization with log expected
// improvement, a feasibility model, batches and ParEGO for several
// objectives), plus Pareto fronts and hypervolume.
//
// The package is pure: no I/O, no clock, no logging. Randomness comes from
// the seed in Config, so the same seed and the same observations give the same
// suggestions, and an optimizer's JSON state resumes to identical suggestions.
// Every objective is minimized; negate a metric to maximize it.
//
// docs/optimizers.md describes the algorithms, the encodings and the
// benchmark.
package optimize
