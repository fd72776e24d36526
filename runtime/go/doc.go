// Package brief is the Go runtime for code generated from brief contracts.
//
// It implements the unary Connect protocol with the JSON codec: a server
// [Handler] that routes POST /{service}/{rpc} to registered procedures, a
// [Client] that calls them, the [Error] type with Connect's codes, the JSON
// codecs generated marshallers call ([ObjectDecoder], [ObjectEncoder], [Codec]),
// request context propagation ([CallInfo]) and [Serve] for HTTP/1.1 and h2c
// on one port with graceful shutdown.
//
// Generated code calls this package; README.md next to this file lists the
// API it targets.
package brief
