package recommend

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// field describes one settable knob of Config by its dotted name.
type field struct {
	dur *time.Duration
	num *float64
	n   *int
}

func (c *Config) fields() map[string]field {
	return map[string]field{
		"cpu.halfLife":            {dur: &c.CPU.HalfLife},
		"cpu.percentile":          {num: &c.CPU.Percentile},
		"cpu.lower":               {num: &c.CPU.Lower},
		"cpu.upper":               {num: &c.CPU.Upper},
		"cpu.margin":              {num: &c.CPU.Margin},
		"cpu.cap":                 {num: &c.CPU.Cap},
		"cpu.min":                 {num: &c.CPU.Min},
		"cpu.max":                 {num: &c.CPU.Max},
		"cpu.limitRatio":          {num: &c.CPU.LimitRatio},
		"cpu.throttleBump":        {num: &c.CPU.ThrottleBump},
		"cpu.throttleThreshold":   {num: &c.CPU.ThrottleThreshold},
		"memory.window":           {dur: &c.Memory.Window},
		"memory.windows":          {n: &c.Memory.Windows},
		"memory.recent":           {n: &c.Memory.Recent},
		"memory.recentAfterOOM":   {n: &c.Memory.RecentAfterOOM},
		"memory.percentile":       {num: &c.Memory.Percentile},
		"memory.oomHold":          {dur: &c.Memory.OOMHold},
		"memory.margin":           {num: &c.Memory.Margin},
		"memory.min":              {num: &c.Memory.Min},
		"memory.max":              {num: &c.Memory.Max},
		"memory.oomBump":          {num: &c.Memory.OOMBump},
		"memory.oomMinBump":       {num: &c.Memory.OOMMinBump},
		"memory.limitMargin":      {num: &c.Memory.LimitMargin},
		"stability.minChange":     {num: &c.Stability.MinChange},
		"stability.minRaise":      {num: &c.Stability.MinRaise},
		"stability.minRaiseCPU":   {num: &c.Stability.MinRaiseCPU},
		"stability.raiseHeadroom": {num: &c.Stability.RaiseHeadroom},
		"stability.minCPU":        {num: &c.Stability.MinCPU},
		"stability.piggyback":     {num: &c.Stability.Piggyback},
		"stability.minMemory":     {num: &c.Stability.MinMemory},
		"stability.downDelay":     {dur: &c.Stability.DownDelay},
		"stability.confidence":    {dur: &c.Stability.Confidence},
	}
}

// Keys lists the names Set accepts.
func (c *Config) Keys() []string {
	var ks []string
	for k := range c.fields() {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Set changes one knob by name ("cpu.margin", "memory.window", ...). Durations
// take Go syntax (36h), numbers plain decimals. Set does not validate ranges;
// call Validate afterwards.
func (c *Config) Set(key, value string) error {
	f, ok := c.fields()[key]
	if !ok {
		return fmt.Errorf("recommend config: unknown setting %q (known: %s)", key, strings.Join(c.Keys(), ", "))
	}
	var err error
	switch {
	case f.dur != nil:
		*f.dur, err = time.ParseDuration(value)
	case f.num != nil:
		*f.num, err = strconv.ParseFloat(value, 64)
	case f.n != nil:
		*f.n, err = strconv.Atoi(value)
	}
	if err != nil {
		return fmt.Errorf("recommend config: %s=%q: %w", key, value, err)
	}
	return nil
}

// SetAll applies "key=value" assignments in order.
func (c *Config) SetAll(assignments []string) error {
	for _, a := range assignments {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("recommend config: %q: want key=value", a)
		}
		if err := c.Set(strings.TrimSpace(k), strings.TrimSpace(v)); err != nil {
			return err
		}
	}
	return nil
}
