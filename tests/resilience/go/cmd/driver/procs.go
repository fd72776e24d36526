package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/brief-rpc/brief/tests/resilience/go/fault"
)

// faultServer is the fault server process and its control API.
type faultServer struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	control string
}

// startPiped starts cmd with pipes to its stdin and from its stdout; its
// stderr is the driver's.
func startPiped(cmd *exec.Cmd) (io.WriteCloser, io.Reader, error) {
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	return stdin, stdout, cmd.Start()
}

// stopPiped closes cmd's stdin, which ends it, and kills it if it is still
// running 5 s later.
func stopPiped(cmd *exec.Cmd, stdin io.Closer) {
	stdin.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

func startFaultServer(bin string) (*faultServer, error) {
	cmd := exec.Command(bin)
	stdin, stdout, err := startPiped(cmd)
	if err != nil {
		return nil, err
	}
	var hello struct{ Control string }
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &hello)
	}
	if err != nil || hello.Control == "" {
		cmd.Process.Kill()
		return nil, fmt.Errorf("fault server did not say where it listens: %q %v", line, err)
	}
	return &faultServer{cmd: cmd, stdin: stdin, control: hello.Control}, nil
}

func (f *faultServer) stop() { stopPiped(f.cmd, f.stdin) }

func (f *faultServer) post(path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	resp, err := http.Post(f.control+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("fault server %s: %s", path, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// endpoints replaces the fault server's endpoints with n fresh ones.
func (f *faultServer) endpoints(n int) ([]string, error) {
	var out struct{ Endpoints []string }
	err := f.post("/endpoints", map[string]any{"count": n}, &out)
	return out.Endpoints, err
}

// onHosts replaces the endpoints with one per host, all on one port.
func (f *faultServer) onHosts(hosts ...string) (int, error) {
	var out struct{ Port int }
	err := f.post("/endpoints", map[string]any{"hosts": hosts}, &out)
	return out.Port, err
}

// script sets what endpoint ep (-1: all) does: steps, one per request, then
// then for good.
func (f *faultServer) script(ep int, steps []fault.Step, then fault.Step) error {
	return f.post("/script", map[string]any{"endpoint": ep, "steps": steps, "then": then}, nil)
}

// down makes endpoint ep refuse connections.
func (f *faultServer) down(ep int) error {
	return f.post("/down", map[string]any{"endpoint": ep}, nil)
}

// requests returns every request the endpoints received.
func (f *faultServer) requests() ([]fault.Record, error) {
	resp, err := http.Get(f.control + "/log")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct{ Requests []fault.Record }
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Requests, err
}

// runner is a scenario runner process speaking JSON lines.
type runner struct {
	lang  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan []byte
}

func startRunner(lang, bin, hosts string) (*runner, error) {
	var cmd *exec.Cmd
	if hosts == "" {
		cmd = exec.Command(bin)
	} else {
		// A mount namespace of its own, where the scenario's hosts file is
		// /etc/hosts: the runtime's own resolver reads it.
		args := []string{"--mount", "--propagation", "private"}
		if os.Geteuid() != 0 {
			args = append(args, "--map-root-user")
		}
		args = append(args, "--", "sh", "-c", `mount --bind "$0" /etc/hosts && exec "$1"`, hosts, bin)
		cmd = exec.Command("unshare", args...)
	}
	stdin, stdout, err := startPiped(cmd)
	if err != nil {
		return nil, err
	}
	r := &runner{lang: lang, cmd: cmd, stdin: stdin, lines: make(chan []byte)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			r.lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(r.lines)
	}()
	var hello struct{ Language string }
	if err := r.do(map[string]any{"op": "hello"}, &hello); err != nil {
		r.stop()
		return nil, fmt.Errorf("runner %s: %v", bin, err)
	}
	return r, nil
}

// do sends a command and decodes the answer into out.
func (r *runner) do(cmd map[string]any, out any) error {
	b, err := json.Marshal(cmd)
	if err != nil {
		return err
	}
	if _, err := r.stdin.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("runner gone: %v", err)
	}
	select {
	case line, ok := <-r.lines:
		if !ok {
			return errors.New("runner exited")
		}
		var status struct {
			OK    bool
			Error string
		}
		if err := json.Unmarshal(line, &status); err != nil {
			return fmt.Errorf("runner answered %q: %v", line, err)
		}
		if !status.OK {
			return fmt.Errorf("runner: %s", status.Error)
		}
		if out != nil {
			return json.Unmarshal(line, out)
		}
		return nil
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("runner did not answer %s in 2 minutes", b)
	}
}

func (r *runner) stop() { stopPiped(r.cmd, r.stdin) }
