// Package emuproc runs 'dropbox-post emulator' as a process of its own, for
// the demo and the benchmarks, and reads its /emulator/ endpoints.
package emuproc

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Emulator is a running 'dropbox-post emulator'.
type Emulator struct {
	URL    string // its base URL, as it printed it
	cmd    *exec.Cmd
	stderr strings.Builder
	done   chan error
}

// Start runs bin's emulator on a free loopback port with the extra flags
// args, and waits for its URL.
func Start(ctx context.Context, bin string, args ...string) (*Emulator, error) {
	e := &Emulator{done: make(chan error, 1)}
	e.cmd = exec.CommandContext(ctx, bin, append([]string{"emulator", "--listen", "127.0.0.1:0"}, args...)...)
	e.cmd.Stderr = &e.stderr
	out, err := e.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := e.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { e.done <- e.cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		e.Stop()
		return nil, fmt.Errorf("the emulator did not start: %v\n%s", err, e.stderr.String())
	}
	e.URL = strings.TrimSpace(line)
	return e, nil
}

// Stop interrupts the emulator, which then exits by itself (or is killed
// after 5 seconds).
func (e *Emulator) Stop() {
	if e.cmd.ProcessState != nil {
		return
	}
	if err := e.cmd.Process.Signal(os.Interrupt); err != nil {
		e.cmd.Process.Kill()
	}
	select {
	case <-e.done:
	case <-time.After(5 * time.Second):
		e.cmd.Process.Kill()
		<-e.done
	}
}

// Exited returns the emulator's process state once Stop has returned (its
// CPU time and peak memory), or nil while it runs.
func (e *Emulator) Exited() *os.ProcessState { return e.cmd.ProcessState }

// Get decodes the JSON answer to GET path into v.
func (e *Emulator) Get(path string, v any) error {
	resp, err := http.Get(e.URL + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// Post sends POST path with an empty JSON object.
func (e *Emulator) Post(path string) error {
	resp, err := http.Post(e.URL+path, "application/json", strings.NewReader("{}"))
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("POST %s: %s", path, resp.Status)
	}
	return nil
}

// Stats is what the emulator counted since its counters were reset.
type Stats struct {
	Requests      int64
	BytesReceived int64
	BytesSent     int64            // response bodies
	Routes        map[string]int64 // requests per route, for the routes asked
}

// Stats reads GET /emulator/stats.
func (e *Emulator) Stats() (Stats, error) {
	var st struct {
		Requests      int64 `json:"requests"`
		BytesReceived int64 `json:"bytes_received"`
		BytesSent     int64 `json:"bytes_sent"`
		Routes        map[string]struct {
			Requests int64 `json:"requests"`
		} `json:"routes"`
	}
	if err := e.Get("/emulator/stats", &st); err != nil {
		return Stats{}, err
	}
	out := Stats{Requests: st.Requests, BytesReceived: st.BytesReceived, BytesSent: st.BytesSent, Routes: map[string]int64{}}
	for name, r := range st.Routes {
		if r.Requests > 0 {
			out.Routes[name] = r.Requests
		}
	}
	return out, nil
}

// ResetStats sets the counters to zero.
func (e *Emulator) ResetStats() error { return e.Post("/emulator/stats/reset") }
