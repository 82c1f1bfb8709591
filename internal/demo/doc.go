// Package demo ships a small real trace inside the binary so that every
// command can be tried without downloading anything: four Google
// cluster-data 2019 tasks (job 382 tasks 2, 22 and 115, about 3.1 days each,
// and the first 7 days of job 113 task 22) converted to the tailor format
// (docs/formats/trace.md) by the generator in ./gen. Open reads it like any
// trace; Attribution must accompany any output built from it.
package demo
