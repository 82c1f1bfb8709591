package autoscale

import "time"

// ServiceInfo is what a tuner knows about a service before it runs: never
// its future demand.
type ServiceInfo struct {
	Name    string
	Start   time.Time
	Request float64 // the starting CPU request per pod, cores
}

// Policy creates one tuner per service. A Policy value is shared by every
// service of a replay (and by concurrent replays): it must keep no
// per-service state itself.
type Policy interface {
	Name() string
	NewTuner(svc ServiceInfo) (Tuner, error)
}

// Tuner is one policy's decision state for one service.
type Tuner interface {
	// Initial is the setting the service starts with.
	Initial() Setting
	// Next is called once every demand window has ended, with what happened
	// in it, and returns the setting to run the next window with.
	Next(w Window) Setting
}
