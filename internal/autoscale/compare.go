package autoscale

import "slices"

// Comparison is one policy measured against the bar of docs/autoscalers.md.
type Comparison struct {
	Policy string
	// Static is the cheapest (fewest requested core-hours) of the static
	// policies with no more overload minutes than Policy; "" when none has.
	Static string
	// StaticSaving is 1 − Policy's requested core-hours / Static's.
	StaticSaving float64
	// Reference is the policy compared on both axes (tortoise); "" when
	// absent. ReferenceOverloadOK is Policy's overload <= Reference's;
	// ReferenceSaving is 1 − Policy's requested core-hours / Reference's.
	Reference           string
	ReferenceOverloadOK bool
	ReferenceSaving     float64
}

// Compare measures policy against the static policies and the reference.
// Unknown names are left out; ok is false when policy is unknown.
func Compare(res Result, policy string, statics []string, reference string) (Comparison, bool) {
	byName := map[string]Score{}
	for _, p := range res.Policies {
		byName[p.Name] = p.Total
	}
	me, ok := byName[policy]
	if !ok {
		return Comparison{}, false
	}
	c := Comparison{Policy: policy}
	for _, name := range statics {
		s, ok := byName[name]
		if !ok || s.OverloadMinutes > me.OverloadMinutes {
			continue
		}
		if c.Static == "" || s.RequestedCoreHours < byName[c.Static].RequestedCoreHours {
			c.Static = name
		}
	}
	if c.Static != "" {
		c.StaticSaving = saving(me, byName[c.Static])
	}
	if ref, ok := byName[reference]; ok && reference != policy && !slices.Contains(statics, reference) {
		c.Reference = reference
		c.ReferenceOverloadOK = me.OverloadMinutes <= ref.OverloadMinutes
		c.ReferenceSaving = saving(me, ref)
	}
	return c, true
}

func saving(me, other Score) float64 {
	if other.RequestedCoreHours == 0 {
		return 0
	}
	return 1 - me.RequestedCoreHours/other.RequestedCoreHours
}
