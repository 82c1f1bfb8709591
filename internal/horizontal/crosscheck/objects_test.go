package crosscheck

import (
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	"tailor.dev/tailor/internal/horizontal"
)

func parse(t *testing.T, text string) *horizontal.Scenario {
	t.Helper()
	s, err := horizontal.ParseScenario("t.test", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const header = "config sync=4s downscaleStabilization=18s\n"

func TestHPAConversion(t *testing.T) {
	s := parse(t, header+`hpa minReplicas=2 maxReplicas=12 cpu=60%
behavior scaleUp select=Min stabilization=30s policy=Pods:2:10s policy=Percent:100:10s
behavior scaleDown tolerance=0.05
pods initial=2 request=500m memory=64Mi startup=0s window=6s
load 0s..8s 1
`)
	hpa, err := HPA(s, "web")
	if err != nil {
		t.Fatal(err)
	}
	sp := hpa.Spec
	if sp.ScaleTargetRef.Kind != "Deployment" || sp.ScaleTargetRef.Name != "web" || *sp.MinReplicas != 2 || sp.MaxReplicas != 12 {
		t.Errorf("target/bounds: %+v min %d max %d", sp.ScaleTargetRef, *sp.MinReplicas, sp.MaxReplicas)
	}
	m := sp.Metrics[0]
	if len(sp.Metrics) != 1 || m.Type != autoscalingv2.ResourceMetricSourceType || m.Resource.Name != corev1.ResourceCPU ||
		m.Resource.Target.Type != autoscalingv2.UtilizationMetricType || *m.Resource.Target.AverageUtilization != 60 {
		t.Errorf("metrics: %+v", sp.Metrics)
	}
	up, down := sp.Behavior.ScaleUp, sp.Behavior.ScaleDown
	if *up.SelectPolicy != autoscalingv2.MinChangePolicySelect || *up.StabilizationWindowSeconds != 30 || len(up.Policies) != 2 ||
		up.Policies[0] != (autoscalingv2.HPAScalingPolicy{Type: autoscalingv2.PodsScalingPolicy, Value: 2, PeriodSeconds: 10}) ||
		up.Policies[1] != (autoscalingv2.HPAScalingPolicy{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 10}) {
		t.Errorf("scaleUp: %+v", up)
	}
	// Unset fields stay unset for the API server to default.
	if down.SelectPolicy != nil || down.StabilizationWindowSeconds != nil || down.Policies != nil || down.Tolerance.String() != "50m" {
		t.Errorf("scaleDown: %+v (tolerance %v)", down, down.Tolerance)
	}
	d := Deployment(s, "web")
	c := d.Spec.Template.Spec.Containers[0]
	if *d.Spec.Replicas != 2 || d.Spec.Selector.MatchLabels["app"] != "web" || d.Spec.Template.Labels["app"] != "web" ||
		c.Resources.Requests.Cpu().MilliValue() != 500 || c.Resources.Requests.Memory().Value() != 64<<20 || c.Image != Image {
		t.Errorf("deployment: replicas %d, labels %v, container %+v", *d.Spec.Replicas, d.Spec.Template.Labels, c)
	}
}

func TestHPAConversionLegacy(t *testing.T) {
	s := parse(t, header+"hpa maxReplicas=5\npods startup=0s window=6s\nload 0s..8s 1\n")
	hpa, err := HPA(s, "web")
	if err != nil {
		t.Fatal(err)
	}
	// Defaults (minReplicas, the 80% CPU metric) are the API server's job.
	if hpa.Spec.Behavior != nil || hpa.Spec.MinReplicas != nil || len(hpa.Spec.Metrics) != 0 {
		t.Errorf("spec %+v: want no behavior, minReplicas or metrics", hpa.Spec)
	}
}

func TestSupported(t *testing.T) {
	ok := "hpa maxReplicas=5 cpu=50%\npods initial=2 startup=0s window=6s\nload 0s..8s 1\n"
	if err := Supported(parse(t, header+ok), controllerConfig); err != nil {
		t.Errorf("supported scenario rejected: %v", err)
	}
	for name, tc := range map[string]struct{ text, want string }{
		"flags":   {"config sync=15s\n" + ok, "differs from the controller's flags"},
		"rps":     {header + "hpa maxReplicas=5\nmetric pods rps averageValue=10\npods startup=0s cpuPerRequest=10m\nload 0s..8s rps=5\n", "only a CPU load"},
		"startup": {header + "hpa maxReplicas=5 cpu=50%\npods initial=2 startup=30s\nload 0s..8s 1\n", "startup=0s"},
		"initial": {header + "hpa minReplicas=3 maxReplicas=5 cpu=50%\npods initial=2 startup=0s\nload 0s..8s 1\n", "initial replicas 2 outside 3..5"},
		"external": {header + "hpa maxReplicas=5\nmetric external q value=10\npods startup=0s\nload 0s..8s 1\nvalue q 0s..8s 5\n",
			"only Resource metrics"},
		"sidecar": {header + "hpa maxReplicas=5 cpu=50%\npods startup=0s\ncontainer app cpu=1 share=0.9\ncontainer proxy cpu=100m share=0.1 sidecar=true\nload 0s..8s 1\n",
			"sidecars are not supported"},
	} {
		err := Supported(parse(t, tc.text), controllerConfig)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one containing %q", name, err, tc.want)
		}
	}
}
