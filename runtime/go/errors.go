package brief

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Code is a Connect error code, as written on the wire ("not_found", ...).
type Code string

// The sixteen Connect error codes.
const (
	CodeCanceled           Code = "canceled"
	CodeUnknown            Code = "unknown"
	CodeInvalidArgument    Code = "invalid_argument"
	CodeDeadlineExceeded   Code = "deadline_exceeded"
	CodeNotFound           Code = "not_found"
	CodeAlreadyExists      Code = "already_exists"
	CodePermissionDenied   Code = "permission_denied"
	CodeResourceExhausted  Code = "resource_exhausted"
	CodeFailedPrecondition Code = "failed_precondition"
	CodeAborted            Code = "aborted"
	CodeOutOfRange         Code = "out_of_range"
	CodeUnimplemented      Code = "unimplemented"
	CodeInternal           Code = "internal"
	CodeUnavailable        Code = "unavailable"
	CodeDataLoss           Code = "data_loss"
	CodeUnauthenticated    Code = "unauthenticated"
)

// Codes lists every valid Code, in Connect's numeric order.
var Codes = []Code{
	CodeCanceled, CodeUnknown, CodeInvalidArgument, CodeDeadlineExceeded,
	CodeNotFound, CodeAlreadyExists, CodePermissionDenied, CodeResourceExhausted,
	CodeFailedPrecondition, CodeAborted, CodeOutOfRange, CodeUnimplemented,
	CodeInternal, CodeUnavailable, CodeDataLoss, CodeUnauthenticated,
}

// codeIndex returns 1..16 for a valid code and 0 otherwise (0 is "ok" in metrics).
func codeIndex(c Code) int {
	for i, k := range Codes {
		if k == c {
			return i + 1
		}
	}
	return 0
}

// Valid reports whether c is one of the sixteen Connect codes.
func (c Code) Valid() bool { return codeIndex(c) != 0 }

// String returns the wire form of the code.
func (c Code) String() string { return string(c) }

// HTTPStatus returns the HTTP status Connect uses for the code (500 for an
// invalid code).
func (c Code) HTTPStatus() int {
	switch c {
	case CodeCanceled:
		return 499
	case CodeUnknown, CodeInternal, CodeDataLoss:
		return http.StatusInternalServerError
	case CodeInvalidArgument, CodeFailedPrecondition, CodeOutOfRange:
		return http.StatusBadRequest
	case CodeDeadlineExceeded:
		return http.StatusGatewayTimeout
	case CodeNotFound:
		return http.StatusNotFound
	case CodeAlreadyExists, CodeAborted:
		return http.StatusConflict
	case CodePermissionDenied:
		return http.StatusForbidden
	case CodeResourceExhausted:
		return http.StatusTooManyRequests
	case CodeUnimplemented:
		return http.StatusNotImplemented
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	case CodeUnauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// CodeFromHTTPStatus maps the status of an error response that has no Connect
// JSON body to a code, as Connect clients do: 400 → internal, 401 →
// unauthenticated, 403 → permission_denied, 404 → unimplemented, 429, 502, 503,
// 504 → unavailable, anything else → unknown.
func CodeFromHTTPStatus(status int) Code {
	switch status {
	case 400:
		return CodeInternal
	case 401:
		return CodeUnauthenticated
	case 403:
		return CodePermissionDenied
	case 404:
		return CodeUnimplemented
	case 429, 502, 503, 504:
		return CodeUnavailable
	}
	return CodeUnknown
}

// ErrorDetail is one entry of an error's "details" list. Value holds the
// decoded bytes of the wire's base64 "value"; Debug is optional JSON for people
// reading logs.
type ErrorDetail struct {
	Type  string
	Value []byte
	Debug json.RawMessage
}

// Error is the error every brief call and handler speaks: a code, a message
// and optional details. Clients always return *Error (use errors.As or
// CodeOf); when a detail matches a typed error the rpc declares (RPC.Throws),
// Unwrap returns that typed value, so errors.As(err, &notFound) works too.
type Error struct {
	Code    Code
	Message string
	Details []ErrorDetail

	typed error // decoded typed error, returned by Unwrap
	cause error // local cause (not sent), returned by Unwrap when typed is nil
}

// NewError returns an *Error with the code and message.
func NewError(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the code whose message is cause's message;
// Unwrap returns cause (it is not sent on the wire).
func WrapError(code Code, cause error) *Error {
	return &Error{Code: code, Message: cause.Error(), cause: cause}
}

// Error returns "code: message".
func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Message
}

// Unwrap returns the typed error decoded from the details (see RPC.Throws), or
// the local cause given to WrapError, or nil.
func (e *Error) Unwrap() error {
	if e.typed != nil {
		return e.typed
	}
	return e.cause
}

// Typed returns the typed error decoded from the details by a client, or nil.
func (e *Error) Typed() TypedError {
	t, _ := e.typed.(TypedError)
	return t
}

// AddDetail appends a detail and returns e.
func (e *Error) AddDetail(d ErrorDetail) *Error {
	e.Details = append(e.Details, d)
	return e
}

// FindDetail returns the first detail of the given type.
func (e *Error) FindDetail(typ string) (ErrorDetail, bool) {
	for _, d := range e.Details {
		if d.Type == typ {
			return d, true
		}
	}
	return ErrorDetail{}, false
}

// DecodeDetail finds the first detail of the given type and decodes its value
// (JSON) into v. It reports whether a detail of that type was found.
func (e *Error) DecodeDetail(typ string, v any) (bool, error) {
	d, ok := e.FindDetail(typ)
	if !ok {
		return false, nil
	}
	return true, unmarshalValue(d.Value, v)
}

// CodeOf returns the code of err: the Code of an *Error in its chain,
// the code of a TypedError in its chain, canceled or deadline_exceeded for
// context errors, unknown otherwise (and "" for nil).
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var be *Error
	if errors.As(err, &be) {
		return be.Code
	}
	var te TypedError
	if errors.As(err, &te) {
		return te.BriefCode()
	}
	return contextCode(err)
}

func contextCode(err error) Code {
	switch {
	case errors.Is(err, errDeadline):
		return CodeDeadlineExceeded
	case errors.Is(err, errCanceled):
		return CodeCanceled
	}
	return CodeUnknown
}

// TypedError is implemented by the error types generated from contract
// declarations such as `error NotFound(not_found) { id int }`. The fields of
// the value are its JSON (json.Marshal / json.Unmarshal, or the brief codecs
// when the type implements Encodable / Decodable); Error() is the message it
// travels with. Generated types also have WithMessage, for a handler to
// choose the message, and SetBriefMessage, through which a client hands over
// the message it received.
type TypedError interface {
	error
	// BriefCode returns the error's code (e.g. CodeNotFound).
	BriefCode() Code
	// BriefType returns the detail type, "<service>.<ErrorName>".
	BriefType() string
}

// setTypedMessage hands a typed error the message its *Error arrived with:
// generated typed errors implement SetBriefMessage, so that their Error()
// returns the message the handler chose rather than the contract's doc.
func setTypedMessage(te TypedError, message string) {
	if s, ok := te.(interface{ SetBriefMessage(string) }); ok && message != "" {
		s.SetBriefMessage(message)
	}
}

// NewTypedDetail builds the wire detail of a typed error: type t, value the
// JSON of v (sent as base64), debug the same JSON.
func NewTypedDetail(typ string, v any) (ErrorDetail, error) {
	b, err := marshalValue(v)
	if err != nil {
		return ErrorDetail{}, err
	}
	return ErrorDetail{Type: typ, Value: b, Debug: json.RawMessage(b)}, nil
}

// FromTypedError converts a typed error into the wire *Error: its code, its
// message (te.Error()) and one detail built by NewTypedDetail.
func FromTypedError(te TypedError) *Error {
	d, err := NewTypedDetail(te.BriefType(), te)
	if err != nil {
		return &Error{Code: CodeInternal, Message: "encoding typed error " + te.BriefType() + ": " + err.Error()}
	}
	return &Error{Code: te.BriefCode(), Message: te.Error(), Details: []ErrorDetail{d}, typed: te}
}

// ToError converts any error a handler returns into an *Error: an *Error in
// the chain is returned as is; a TypedError becomes its wire form; context
// errors become deadline_exceeded / canceled; anything else is unknown with
// the error's message.
func ToError(err error) *Error {
	if err == nil {
		return nil
	}
	var be *Error
	if errors.As(err, &be) {
		return be
	}
	var te TypedError
	if errors.As(err, &te) {
		return FromTypedError(te)
	}
	return &Error{Code: contextCode(err), Message: err.Error(), cause: err}
}

// wire form

type wireDetail struct {
	Type  string          `json:"type"`
	Value string          `json:"value"`
	Debug json.RawMessage `json:"debug,omitempty"`
}

type wireError struct {
	Code    string       `json:"code"`
	Message string       `json:"message,omitempty"`
	Details []wireDetail `json:"details,omitempty"`
}

// MarshalJSON writes the Connect JSON error body.
func (e *Error) MarshalJSON() ([]byte, error) {
	return e.appendJSON(nil), nil
}

func (e *Error) appendJSON(b []byte) []byte {
	b = append(b, `{"code":`...)
	b = appendString(b, string(e.Code))
	if e.Message != "" {
		b = append(b, `,"message":`...)
		b = appendString(b, e.Message)
	}
	if len(e.Details) > 0 {
		b = append(b, `,"details":[`...)
		for i, d := range e.Details {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"type":`...)
			b = appendString(b, d.Type)
			b = append(b, `,"value":"`...)
			b = base64.StdEncoding.AppendEncode(b, d.Value)
			b = append(b, '"')
			if len(d.Debug) > 0 && json.Valid(d.Debug) {
				b = append(b, `,"debug":`...)
				b = append(b, d.Debug...)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// UnmarshalJSON reads a Connect JSON error body. An unknown or missing code
// decodes as unknown.
func (e *Error) UnmarshalJSON(data []byte) error {
	var w wireError
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	e.Code = Code(w.Code)
	if !e.Code.Valid() {
		e.Code = CodeUnknown
	}
	e.Message = w.Message
	e.Details = nil
	for _, d := range w.Details {
		v, err := decodeBase64(d.Value)
		if err != nil {
			return fmt.Errorf("error detail %q: %w", d.Type, err)
		}
		e.Details = append(e.Details, ErrorDetail{Type: d.Type, Value: v, Debug: d.Debug})
	}
	return nil
}

// parseErrorBody builds the *Error of a non-200 response. body is at most a
// prefix of the response body.
func parseErrorBody(status int, contentType string, body []byte) *Error {
	if strings.HasPrefix(contentType, "application/json") {
		var probe struct {
			Code *string `json:"code"`
		}
		if json.Unmarshal(body, &probe) == nil && probe.Code != nil && Code(*probe.Code).Valid() {
			e := new(Error)
			if e.UnmarshalJSON(body) == nil {
				return e
			}
		}
	}
	code := CodeFromHTTPStatus(status)
	const keep = 512
	snippet := body
	if len(snippet) > keep {
		snippet = snippet[:keep]
		for len(snippet) > 0 && !utf8.Valid(snippet) {
			snippet = snippet[:len(snippet)-1]
		}
	}
	msg := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	if s := strings.TrimSpace(strings.ToValidUTF8(string(snippet), "\uFFFD")); s != "" {
		msg += ": " + s
	}
	return &Error{Code: code, Message: msg}
}
