package brief_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

type bareIn struct {
	A int64 `json:"a"`
	B int64 `json:"b"`
}
type bareOut struct {
	Sum int64 `json:"sum"`
}

// bareHandler is what a hand-written net/http service would do.
func bareHandler(w http.ResponseWriter, r *http.Request) {
	var in bareIn
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(bareOut{Sum: in.A + in.B})
}

func benchHTTP(b *testing.B, h http.Handler) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	body := []byte(`{"a":1,"b":2}`)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", srv.URL+"/summer/sum", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatal(resp.Status)
			}
		}
	})
}

func BenchmarkHTTPBare(b *testing.B) { benchHTTP(b, http.HandlerFunc(bareHandler)) }
func BenchmarkHTTPBrief(b *testing.B) {
	benchHTTP(b, NewSummerHandler(&summer{}))
}

// In-process: handler overhead only.
func benchInProcess(b *testing.B, h http.Handler) {
	body := []byte(`{"a":1,"b":2}`)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/summer/sum", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkHandlerBare(b *testing.B)  { benchInProcess(b, http.HandlerFunc(bareHandler)) }
func BenchmarkHandlerBrief(b *testing.B) { benchInProcess(b, NewSummerHandler(&summer{})) }

func BenchmarkClientCall(b *testing.B) {
	srv := httptest.NewServer(NewSummerHandler(&summer{}))
	defer srv.Close()
	c := client(b, srv.URL)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Sum(context.Background(), &SumIn{A: 1, B: 2}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
