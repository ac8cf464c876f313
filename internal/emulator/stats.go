package emulator

import (
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
)

// Stats counts what the emulator saw, so that benchmarks can count
// requests and bytes, and tests can see which faults were injected.
type Stats struct {
	Requests      int64                 `json:"requests"`
	BytesReceived int64                 `json:"bytes_received"`
	BytesSent     int64                 `json:"bytes_sent"`
	Routes        map[string]RouteStats `json:"routes"`
	// Faults counts injected faults by kind: fail_500, fail_503, throttle,
	// reset_before, reset_after, write_contention, header_limit,
	// list_concurrency.
	Faults      map[string]int64 `json:"faults"`
	FaultsTotal int64            `json:"faults_total"`
}

// RouteStats counts the requests of one route ("files/upload",
// "oauth2/token", …).
type RouteStats struct {
	Requests      int64            `json:"requests"`
	BytesReceived int64            `json:"bytes_received"`
	BytesSent     int64            `json:"bytes_sent"`
	Statuses      map[string]int64 `json:"statuses"` // HTTP status → count
}

// Fault kinds, as counted in Stats.Faults.
const (
	faultFail500         = "fail_500"
	faultFail503         = "fail_503"
	faultThrottle        = "throttle"
	faultResetBefore     = "reset_before"
	faultResetAfter      = "reset_after"
	faultWriteContention = "write_contention"
	faultHeaderLimit     = "header_limit"
	faultListConcurrency = "list_concurrency"
)

var faultKinds = []string{faultFail500, faultFail503, faultThrottle, faultResetBefore, faultResetAfter, faultWriteContention, faultHeaderLimit, faultListConcurrency}

type routeCounter struct {
	requests, received, sent atomic.Int64

	mu       sync.Mutex
	statuses map[int]int64
}

func (rc *routeCounter) request() { rc.requests.Add(1) }

func (rc *routeCounter) status(code int) {
	rc.mu.Lock()
	rc.statuses[code]++
	rc.mu.Unlock()
}

type statsRecorder struct {
	mu     sync.RWMutex
	routes map[string]*routeCounter
	faults map[string]*atomic.Int64 // fixed keys: read without the lock
}

func newStatsRecorder() *statsRecorder {
	r := &statsRecorder{routes: map[string]*routeCounter{}, faults: map[string]*atomic.Int64{}}
	for _, k := range faultKinds {
		r.faults[k] = new(atomic.Int64)
	}
	return r
}

// route returns the counters of a route, creating them on first use.
func (r *statsRecorder) route(name string) *routeCounter {
	r.mu.RLock()
	rc := r.routes[name]
	r.mu.RUnlock()
	if rc != nil {
		return rc
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rc = r.routes[name]; rc == nil {
		rc = &routeCounter{statuses: map[int]int64{}}
		r.routes[name] = rc
	}
	return rc
}

func (r *statsRecorder) fault(kind string) { r.faults[kind].Add(1) }

// fault counts an injected fault and logs it.
func (s *Server) fault(kind, route string) {
	s.stats.fault(kind)
	s.opts.Logger.Debug("fault injected", "kind", kind, "route", route)
}

func (r *statsRecorder) snapshot() Stats {
	st := Stats{Routes: map[string]RouteStats{}, Faults: map[string]int64{}}
	r.mu.RLock()
	names := make([]string, 0, len(r.routes))
	for name := range r.routes {
		names = append(names, name)
	}
	r.mu.RUnlock()
	sort.Strings(names)
	for _, name := range names {
		rc := r.route(name)
		rs := RouteStats{
			Requests:      rc.requests.Load(),
			BytesReceived: rc.received.Load(),
			BytesSent:     rc.sent.Load(),
			Statuses:      map[string]int64{},
		}
		if rs.Requests == 0 {
			continue
		}
		rc.mu.Lock()
		for code, n := range rc.statuses {
			rs.Statuses[strconv.Itoa(code)] = n
		}
		rc.mu.Unlock()
		st.Routes[name] = rs
		st.Requests += rs.Requests
		st.BytesReceived += rs.BytesReceived
		st.BytesSent += rs.BytesSent
	}
	for _, k := range faultKinds {
		n := r.faults[k].Load()
		st.Faults[k] = n
		st.FaultsTotal += n
	}
	return st
}

func (r *statsRecorder) reset() {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, rc := range r.routes {
		rc.requests.Store(0)
		rc.received.Store(0)
		rc.sent.Store(0)
		rc.mu.Lock()
		clear(rc.statuses)
		rc.mu.Unlock()
	}
	for _, f := range r.faults {
		f.Store(0)
	}
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ResetStats sets every counter back to zero.
func (s *Server) ResetStats() { s.stats.reset() }
