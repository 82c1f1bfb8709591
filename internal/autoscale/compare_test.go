package autoscale_test

import (
	"testing"

	"tailor.dev/tailor/internal/autoscale"
)

func TestStaticTargets(t *testing.T) {
	want := []string{"hpa-50", "hpa-60", "hpa-70", "hpa-80"}
	for i, p := range autoscale.StaticTargets() {
		if p.Name() != want[i] {
			t.Errorf("policy %d is %s, want %s", i, p.Name(), want[i])
		}
		tu, err := p.NewTuner(autoscale.ServiceInfo{Name: "web", Request: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		set := tu.Initial()
		if set.Request != 0.5 || set.MinReplicas != 2 || set.MaxReplicas != 100 || set.Behavior != nil ||
			set.Target != int32(50+10*i) || !tu.Next(autoscale.Window{}).Equal(set) {
			t.Errorf("%s: setting %v", p.Name(), set)
		}
	}
}

func result(scores map[string][2]float64, order ...string) autoscale.Result {
	var r autoscale.Result
	for _, name := range order {
		s := scores[name]
		r.Policies = append(r.Policies, autoscale.PolicyResult{Name: name,
			Total: autoscale.Score{RequestedCoreHours: s[0], OverloadMinutes: s[1]}})
	}
	return r
}

func TestCompare(t *testing.T) {
	statics := []string{"hpa-50", "hpa-60", "hpa-70", "hpa-80"}
	order := append(append([]string{}, statics...), "tortoise", "tailor")
	base := map[string][2]float64{
		"hpa-50": {200, 10}, "hpa-60": {180, 20}, "hpa-70": {150, 40}, "hpa-80": {130, 80}, "tortoise": {170, 30},
	}
	cases := []struct {
		name       string
		tailor     [2]float64
		static     string
		saving     float64
		overloadOK bool
		refSaving  float64
	}{
		// Overload 25: hpa-50 (10) and hpa-60 (20) qualify; hpa-60 is cheaper.
		{"between", [2]float64{135, 25}, "hpa-60", 0.25, true, 1 - 135.0/170},
		// Ties count as "no more overload".
		{"tie", [2]float64{120, 40}, "hpa-70", 0.2, false, 1 - 120.0/170},
		{"below all", [2]float64{190, 5}, "", 0, true, 1 - 190.0/170},
	}
	for _, tc := range cases {
		scores := map[string][2]float64{"tailor": tc.tailor}
		for k, v := range base {
			scores[k] = v
		}
		c, ok := autoscale.Compare(result(scores, order...), "tailor", statics, "tortoise")
		if !ok || c.Static != tc.static || !near(c.StaticSaving, tc.saving) || c.Reference != "tortoise" ||
			c.ReferenceOverloadOK != tc.overloadOK || !near(c.ReferenceSaving, tc.refSaving) {
			t.Errorf("%s: %+v", tc.name, c)
		}
	}
	if _, ok := autoscale.Compare(result(base, statics...), "tailor", statics, "tortoise"); ok {
		t.Error("an unknown policy compared")
	}
}
