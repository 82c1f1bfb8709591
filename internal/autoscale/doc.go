// Package autoscale replays horizontally scaled services on their own demand
// history and scores autoscaling policies (docs/autoscalers.md). It owns:
//
//   - Service, a service's total CPU demand over time (a validated
//     horizontal.Timeline) and the per-pod CPU request it starts with, and
//     Services, which builds them from trace samples (Mapping);
//   - Replay, which drives the HPA model of package horizontal (Controller
//     and Cluster: 15 s syncs, pods that need a start-up delay before they
//     are Ready, load split across Ready pods) for every service and policy,
//     and Score, the scoring: replica-hours, requested core-hours, cost,
//     overload minutes, unserved core-hours, utilization and scale events;
//   - the policies: Static (an HPA with a fixed CPU utilization target,
//     "hpa-50" … "hpa-80"), Tortoise (mercari/tortoise's HPA target tuner
//     and min/max replica slots) and Tailor (Tailor's tuner: CPU request,
//     target and seasonal min replicas chosen by replaying candidates on the
//     service's own past), and Compare, which measures a policy against the
//     bar of docs/autoscalers.md;
//   - Footprint, each service's pods per wall-clock hour as the replay
//     records them, and PackNodes, which packs every hour's pods onto the
//     nodes of a cost.NodePool and scores peak nodes, node-hours and $.
//
// The package is pure: no I/O, no clock, no logging, no randomness. Tuners
// are causal: they see a window's demand only after the window has ended.
package autoscale
