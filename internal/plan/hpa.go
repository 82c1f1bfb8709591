package plan

import (
	"fmt"
	"math"
)

// HPAAdvice is the treatment of a resource an HPA scales on. Right-sizing
// such a request by usage alone is wrong: with a 70% utilization target the
// HPA keeps usage near 70% of whatever the request is, so a usage-based
// recommendation just follows the request down. The request is kept and the
// target utilization is tuned instead, by Tortoise's rule
// (../shared/reference/recommenders.md §3.2, mercari/tortoise
// updateHPATargetUtilizationRecommendations):
//
//	upperUsage = ceil(recommended per-pod usage / request × 100)
//	target'    = currentTarget                         if currentTarget > upperUsage
//	           = 100 − (upperUsage − currentTarget)    otherwise
//
// clamped to [65, 90] and raised by at most 5 points per step.
type HPAAdvice struct {
	Name     string
	Resource string // "cpu" or "memory"
	// CurrentTarget and Target are utilization percentages; Target is the
	// next step (0 when the HPA has no Utilization target on the resource).
	CurrentTarget, Target int32
	// UpperUsage is the recommended per-pod usage in percent of the request.
	UpperUsage int32
	Detail     string
}

// Tortoise's constants (MinimumTargetResourceUtilization,
// MaximumTargetResourceUtilization, HPATargetUtilizationMaxIncrease).
const (
	minTargetUtilization  = 65
	maxTargetUtilization  = 90
	maxTargetIncreaseStep = 5
)

// tuneTarget applies Tortoise's rule to one resource.
func tuneTarget(current int32, request, usage float64) (target, upper int32, detail string) {
	if current <= 0 || request <= 0 || usage <= 0 {
		return current, 0, "no utilization target or request: left as is"
	}
	upper = int32(math.Ceil(usage/request*100 - 1e-9)) // 1.1/1*100 is 110.00000000000001
	want := current
	if current <= upper {
		want = 100 - (upper - current)
	}
	want = min(max(want, minTargetUtilization), maxTargetUtilization)
	target = min(want, current+maxTargetIncreaseStep)
	detail = fmt.Sprintf("usage reaches %d%% of the request at a %d%% target: target %d%% (Tortoise's rule, clamped to [%d, %d], at most +%d per step)",
		upper, current, want, minTargetUtilization, maxTargetUtilization, maxTargetIncreaseStep)
	if target != want {
		detail += fmt.Sprintf("; next step %d%%", target)
	}
	return target, upper, detail
}
