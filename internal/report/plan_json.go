package report

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"
	"strings"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/plan"
	"tailor.dev/tailor/internal/workload"
)

// PlanDoc is the JSON and YAML form of a plan (docs/formats/reports.md).
type PlanDoc struct {
	Source          string         `json:"source"`
	Mode            string         `json:"mode"`
	Format          string         `json:"format,omitempty"`
	Attribution     string         `json:"attribution,omitempty"`
	End             string         `json:"end,omitempty"`
	Prices          PricesDoc      `json:"prices"`
	MonthlyDeltaUSD float64        `json:"monthly_cost_delta_usd"`
	Warnings        []string       `json:"warnings,omitempty"`
	Nodes           *NodesDoc      `json:"nodes,omitempty"`
	Recommendations []ContainerDoc `json:"recommendations"`
}

// NodesDoc is the node estimate of a plan (recommend --node-type).
type NodesDoc struct {
	Pool   []string   `json:"pool"`
	Before PackingDoc `json:"before"`
	After  PackingDoc `json:"after"`
}

// PackingDoc is one packing: nodes per type and the monthly price.
type PackingDoc struct {
	Nodes       int            `json:"nodes"`
	ByType      map[string]int `json:"by_type"`
	USDPerMonth float64        `json:"usd_per_month"`
}

func packingDoc(p cost.Packing) PackingDoc {
	d := PackingDoc{Nodes: len(p.Nodes), ByType: map[string]int{}, USDPerMonth: p.MonthlyUSD()}
	for _, t := range p.Types {
		d.ByType[t.Type] = t.Nodes
	}
	return d
}

// PricesDoc are the unit prices a plan was priced at.
type PricesDoc struct {
	CPUCoreHour float64 `json:"usd_per_core_hour"`
	MemGiBHour  float64 `json:"usd_per_gib_hour"`
}

// ContainerDoc is one row.
type ContainerDoc struct {
	Kind        string       `json:"kind,omitempty"`
	Namespace   string       `json:"namespace"`
	Workload    string       `json:"workload"`
	Container   string       `json:"container"`
	Role        string       `json:"role,omitempty"`
	Replicas    int          `json:"replicas"`
	Samples     int          `json:"samples"`
	HistoryH    float64      `json:"history_hours"`
	Confidence  float64      `json:"confidence"`
	OOMKills    int          `json:"oom_kills"`
	Current     ResourcesDoc `json:"current"`
	Recommended ResourcesDoc `json:"recommended"`
	Lower       ResourcesDoc `json:"lower_bound"`
	Upper       ResourcesDoc `json:"upper_bound"`
	HPA         *HPADoc      `json:"hpa,omitempty"`
	Risks       []string     `json:"risks,omitempty"`
	Reason      string       `json:"reason"`
	Reasons     []ReasonDoc  `json:"reasons"`
	// MonthlyDeltaUSD is recommended minus current requests of all
	// replicas for a month (negative = savings).
	MonthlyDeltaUSD float64 `json:"monthly_cost_delta_usd"`
}

// ResourcesDoc holds requests and limits; unset values are omitted.
type ResourcesDoc struct {
	CPURequest *float64 `json:"cpu_request_cores,omitempty"`
	CPULimit   *float64 `json:"cpu_limit_cores,omitempty"`
	MemRequest *float64 `json:"memory_request_bytes,omitempty"`
	MemLimit   *float64 `json:"memory_limit_bytes,omitempty"`
}

// HPADoc is the HPA-aware advice of a row.
type HPADoc struct {
	Name          string `json:"name"`
	Resource      string `json:"resource"`
	CurrentTarget int32  `json:"current_target_utilization,omitempty"`
	Target        int32  `json:"recommended_target_utilization,omitempty"`
	UpperUsage    int32  `json:"upper_usage_percent,omitempty"`
	Detail        string `json:"detail"`
}

// ReasonDoc is one step of the engine's pipeline.
type ReasonDoc struct {
	Resource string  `json:"resource"`
	Step     string  `json:"step"`
	Value    float64 `json:"value"`
	Detail   string  `json:"detail"`
}

// NewPlanDoc converts a plan for encoding.
func NewPlanDoc(p plan.Plan, h PlanHeader) PlanDoc {
	d := PlanDoc{Source: h.Source, Format: h.Format, Mode: p.Mode, Attribution: h.Attribution, Warnings: p.Warnings,
		Prices:          PricesDoc{CPUCoreHour: p.Prices.CPUCoreHour, MemGiBHour: p.Prices.MemGiBHour},
		MonthlyDeltaUSD: p.MonthlyDelta, Recommendations: make([]ContainerDoc, 0, len(p.Rows))}
	if !p.End.IsZero() {
		d.End = p.End.UTC().Format("2006-01-02T15:04:05Z")
	}
	for _, r := range p.Rows {
		d.Recommendations = append(d.Recommendations, containerDoc(r))
	}
	if n := p.Nodes; n != nil {
		d.Nodes = &NodesDoc{Pool: n.Pool, Before: packingDoc(n.Before), After: packingDoc(n.After)}
	}
	return d
}

func containerDoc(r plan.Row) ContainerDoc {
	c := ContainerDoc{Kind: r.Kind, Namespace: r.Namespace, Workload: r.Workload, Container: r.Container,
		Role: string(r.Role), Replicas: r.Replicas, Samples: r.Samples, HistoryH: r.History.Hours(),
		Confidence: r.Confidence, OOMKills: r.Evidence.OOMKills,
		Current: resourcesDoc(r.Current), Recommended: resourcesDoc(r.Recommended),
		Lower: resourcesDoc(r.Lower), Upper: resourcesDoc(r.Upper),
		Reason: plan.Summary(r), Reasons: []ReasonDoc{}, MonthlyDeltaUSD: r.MonthlyDelta}
	for _, k := range r.Risks {
		c.Risks = append(c.Risks, string(k))
	}
	for _, x := range r.Reasons {
		c.Reasons = append(c.Reasons, ReasonDoc{x.Resource, x.Step, x.Value, x.Detail})
	}
	if a := r.HPA; a != nil {
		c.HPA = &HPADoc{Name: a.Name, Resource: a.Resource, CurrentTarget: a.CurrentTarget, Target: a.Target,
			UpperUsage: a.UpperUsage, Detail: a.Detail}
	}
	return c
}

func resourcesDoc(r workload.Resources) ResourcesDoc {
	set := func(v float64) *float64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	return ResourcesDoc{CPURequest: set(r.CPURequest), CPULimit: set(r.CPULimit), MemRequest: set(r.MemRequest), MemLimit: set(r.MemLimit)}
}

// csvHeader are the columns of WritePlanCSV: one row per container, CPU in
// cores, memory in bytes, an empty cell for an unset value.
var csvHeader = []string{"kind", "namespace", "workload", "container", "role", "replicas",
	"cpu_request", "cpu_request_recommended", "cpu_limit", "cpu_limit_recommended",
	"memory_request", "memory_request_recommended", "memory_limit", "memory_limit_recommended",
	"hpa_target", "hpa_target_recommended", "monthly_cost_delta_usd", "history_hours", "oom_kills", "risks", "reason"}

// WritePlanCSV writes the plan as CSV (RFC 4180) with a header line.
func WritePlanCSV(w io.Writer, p plan.Plan) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, r := range p.Rows {
		var hcur, hrec string
		if r.HPA != nil {
			hcur, hrec = whole(float64(r.HPA.CurrentTarget)), whole(float64(r.HPA.Target))
		}
		rec := []string{r.Kind, r.Namespace, r.Workload, r.Container, string(r.Role), strconv.Itoa(r.Replicas),
			cores(r.Current.CPURequest), cores(r.Recommended.CPURequest), cores(r.Current.CPULimit), cores(r.Recommended.CPULimit),
			whole(r.Current.MemRequest), whole(r.Recommended.MemRequest), whole(r.Current.MemLimit), whole(r.Recommended.MemLimit),
			hcur, hrec, strconv.FormatFloat(r.MonthlyDelta, 'f', 2, 64), strconv.FormatFloat(r.History.Hours(), 'f', 1, 64),
			strconv.Itoa(r.Evidence.OOMKills), strings.Trim(risks(r.Risks), "-"), plan.Summary(r)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// cores prints cores to the millicore ("0.25"), "" for unset.
func cores(v float64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}

// whole prints a whole number (bytes, percent), "" for unset.
func whole(v float64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
}
