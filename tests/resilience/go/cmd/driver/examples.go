package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// exampleCheck runs a summer call example (its binary) against a summer
// server binary.
type exampleCheck struct {
	name string
	run  func(server, call string) (string, error)
}

var exampleChecks = []exampleCheck{
	{"summer call: dead endpoint listed first, call ok", summerDeadThenLive},
	{"summer call: only dead endpoints, fails fast", summerOnlyDead},
}

// deadURL returns the URL of a loopback port nothing listens on.
func deadURL() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr, nil
}

// startSummer starts a summer server and waits until it is ready.
func startSummer(bin string) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "LISTEN="+addr, "PORT="+strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	for start := time.Now(); time.Since(start) < 20*time.Second; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return "http://" + addr, stop, nil
			}
		}
	}
	stop()
	return "", nil, errors.New("summer server did not become ready")
}

// runCall runs the call example with SERVICE_SUMMER_URL set.
func runCall(call, urls string) (stdout, stderr string, took time.Duration, err error) {
	cmd := exec.Command(call, "40", "2")
	cmd.Env = append(os.Environ(), "SERVICE_SUMMER_URL="+urls)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err = cmd.Run()
	return strings.TrimSpace(out.String()), strings.TrimSpace(errb.String()), time.Since(start), err
}

func summerDeadThenLive(server, call string) (string, error) {
	live, stop, err := startSummer(server)
	if err != nil {
		return "", err
	}
	defer stop()
	// Each run is a new process with a new balancer: several runs make the
	// dead endpoint come first in some of them.
	for range 6 {
		dead, err := deadURL()
		if err != nil {
			return "", err
		}
		out, errOut, _, err := runCall(call, dead+","+live)
		if err != nil || out != `{"sum":42}` {
			return "", fmt.Errorf("call failed: %v: %s %s", err, out, errOut)
		}
	}
	return `6/6 answered {"sum":42}`, nil
}

func summerOnlyDead(_, call string) (string, error) {
	a, err := deadURL()
	if err != nil {
		return "", err
	}
	b, err := deadURL()
	if err != nil {
		return "", err
	}
	_, errOut, took, err := runCall(call, a+","+b)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return "", fmt.Errorf("want a failing exit status, got %v", err)
	}
	if !strings.Contains(errOut, "unavailable") || !strings.Contains(errOut, "refused") {
		return "", fmt.Errorf("unclear message: %q", errOut)
	}
	// summer's deadline is 300 ms: failing fast means before it, process start
	// included (a call that waited for it would end in deadline_exceeded).
	if took >= 300*time.Millisecond || strings.Contains(errOut, "deadline") {
		return "", fmt.Errorf("took %v: %s", took, errOut)
	}
	return fmt.Sprintf("exit %d after %v", exit.ExitCode(), took.Round(time.Millisecond)), nil
}
