// Package experiment owns Tailor's experiments: the Experiment spec (YAML,
// Kubernetes style) and its validation, the trial loop that turns the spec
// into an optimize.Config, asks for configurations, renders each trial's
// templates and hands the trial to a Runner, and the results directory the
// loop appends to and resumes from (experiment.yaml, trials.jsonl), with the
// analyses a CLI shows: the Pareto front, the recommended configuration and
// its gains over the baseline.
//
// Running a trial (a process in a cgroup, a Kubernetes rollout) is a
// Runner's job and lives elsewhere; this package never starts processes.
// docs/formats/experiment.md describes the spec and the results directory.
package experiment
