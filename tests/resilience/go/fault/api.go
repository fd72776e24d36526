// Package fault holds the types of the fault server's control API, shared by
// the server (cmd/faultserver) and the driver that commands it (cmd/driver).
// tests/resilience/README.md describes the API.
package fault

// Step is what a data endpoint does with one request.
type Step struct {
	// Do: "ok" (200 {"endpoint":N}), "503" (Connect unavailable), "502html"
	// (502 with an HTML body, as a proxy sends), "429" (Connect
	// resource_exhausted), "invalid_argument" (Connect 400), "reset" (read the
	// request, then close the connection with a TCP reset).
	Do string `json:"do"`
	// DelayMs delays the answer (stopping early if the client goes away).
	DelayMs int `json:"delay_ms,omitempty"`
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string `json:"retry_after,omitempty"`
}

// OK is the step of a normal answer.
var OK = Step{Do: "ok"}

// Record is one request a data endpoint received.
type Record struct {
	Endpoint  int    `json:"endpoint"`
	RPC       string `json:"rpc"`
	Attempt   string `json:"attempt"`
	RequestID string `json:"request_id"`
	AtUs      int64  `json:"at_us"` // Unix time in microseconds, when the request arrived
	Did       string `json:"did"`
}
