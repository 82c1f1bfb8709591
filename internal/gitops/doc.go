// Package gitops turns right-sizing decisions into files for review through
// GitOps: one kustomize strategic-merge patch per workload plus a
// kustomization.yaml that applies them to the user's own manifests, written
// either to a directory (WriteKustomize) or as one commit on a branch of a
// local git repository (CommitGit), without touching the user's checkout.
//
// The input is a list of Change values (what tailor observed and what it
// recommends, per container). Render is the pure part: it validates the
// changes and returns the files, the same bytes for the same input.
// WriteKustomize and CommitGit add the safety rules: all or nothing, never
// over files tailor did not write (a marker file lists what it wrote, with
// checksums), never over a dirty worktree.
//
// The file layout, patch format and git behaviour are documented in
// docs/formats/export.md.
package gitops
