package brief

import (
	"testing"
	"time"
)

func TestParseDurationTakesWhatRustTakes(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "250ms": 250 * time.Millisecond, "10s": 10 * time.Second, "2m": 2 * time.Minute, "1h": time.Hour} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "s", "10", "1.5s", "-1s", "10 s", "5x", "1m30s", "99999999999999999999h"} {
		if _, err := parseDuration(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSettingsFromEnvOverrideTheDefaults(t *testing.T) {
	env := map[string]string{
		"LISTEN":                " 0.0.0.0:9000 ",
		"BRIEF_DRAIN_DELAY":     "0",
		"BRIEF_IDLE_TIMEOUT":    "30s",
		"BRIEF_MAX_CONNECTIONS": "64",
		"BRIEF_H2_MAX_STREAMS":  "",
		"BRIEF_MAX_BODY_BYTES":  "1024",
	}
	s, err := settingsFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if s.listen != "0.0.0.0:9000" || s.drainDelay != 0 || s.idleTimeout != 30*time.Second ||
		s.maxConns != 64 || s.h2MaxStreams != DefaultHTTP2MaxStreams || s.maxBody != 1024 ||
		s.headerReadTimeout != DefaultHeaderReadTimeout {
		t.Fatalf("%+v", s)
	}
	if _, err := settingsFromEnv(func(k string) string {
		return map[string]string{"BRIEF_MAX_BODY_BYTES": "4MB"}[k]
	}); err == nil || err.Error() != `BRIEF_MAX_BODY_BYTES="4MB": not a whole number` {
		t.Fatalf("got %v", err)
	}
}
