package brief_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	brief "github.com/brief-rpc/brief/runtime/go"
)

func TestCodeHTTPStatus(t *testing.T) {
	want := map[brief.Code]int{
		brief.CodeCanceled: 499, brief.CodeUnknown: 500, brief.CodeInvalidArgument: 400,
		brief.CodeDeadlineExceeded: 504, brief.CodeNotFound: 404, brief.CodeAlreadyExists: 409,
		brief.CodePermissionDenied: 403, brief.CodeResourceExhausted: 429, brief.CodeFailedPrecondition: 400,
		brief.CodeAborted: 409, brief.CodeOutOfRange: 400, brief.CodeUnimplemented: 501,
		brief.CodeInternal: 500, brief.CodeUnavailable: 503, brief.CodeDataLoss: 500,
		brief.CodeUnauthenticated: 401,
	}
	if len(brief.Codes) != 16 || len(want) != 16 {
		t.Fatalf("want 16 codes, have %d", len(brief.Codes))
	}
	for _, c := range brief.Codes {
		if got := c.HTTPStatus(); got != want[c] {
			t.Errorf("%s: got %d want %d", c, got, want[c])
		}
		if !c.Valid() {
			t.Errorf("%s not valid", c)
		}
	}
	if brief.Code("nope").Valid() {
		t.Error("invalid code reported valid")
	}
}

func TestCodeFromHTTPStatus(t *testing.T) {
	want := map[int]brief.Code{
		400: brief.CodeInternal, 401: brief.CodeUnauthenticated, 403: brief.CodePermissionDenied,
		404: brief.CodeUnimplemented, 429: brief.CodeUnavailable, 502: brief.CodeUnavailable,
		503: brief.CodeUnavailable, 504: brief.CodeUnavailable, 500: brief.CodeUnknown,
		418: brief.CodeUnknown, 409: brief.CodeUnknown,
	}
	for s, c := range want {
		if got := brief.CodeFromHTTPStatus(s); got != c {
			t.Errorf("%d: got %s want %s", s, got, c)
		}
	}
}

func TestErrorJSON(t *testing.T) {
	e := brief.NewError(brief.CodeNotFound, "no item \"3\"")
	e.AddDetail(brief.ErrorDetail{Type: "summer.NotFound", Value: []byte(`{"id":3}`), Debug: json.RawMessage(`{"id":3}`)})
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"code":"not_found","message":"no item \"3\"","details":[{"type":"summer.NotFound","value":"eyJpZCI6M30=","debug":{"id":3}}]}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	var back brief.Error
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Code != e.Code || back.Message != e.Message || len(back.Details) != 1 || string(back.Details[0].Value) != `{"id":3}` {
		t.Fatalf("round trip: %+v", back)
	}
	// Unpadded base64 (as connect-go writes it) is accepted too.
	if err := json.Unmarshal([]byte(`{"code":"internal","details":[{"type":"t","value":"eyJpZCI6M30"}]}`), &back); err != nil || string(back.Details[0].Value) != `{"id":3}` {
		t.Fatalf("unpadded: %v %+v", err, back)
	}
	if e.Error() != `not_found: no item "3"` {
		t.Fatalf("Error(): %s", e.Error())
	}
}

func TestErrorsAsAndCodeOf(t *testing.T) {
	var err error = fmt.Errorf("wrapped: %w", brief.NewError(brief.CodeAborted, "x"))
	var be *brief.Error
	if !errors.As(err, &be) || be.Code != brief.CodeAborted {
		t.Fatal("errors.As failed")
	}
	if brief.CodeOf(err) != brief.CodeAborted {
		t.Fatal("CodeOf failed")
	}
	if brief.CodeOf(&NotFound{ID: 1}) != brief.CodeNotFound {
		t.Fatal("CodeOf typed")
	}
	if brief.CodeOf(errors.New("x")) != brief.CodeUnknown || brief.CodeOf(nil) != "" {
		t.Fatal("CodeOf plain")
	}
	w := brief.FromTypedError(&NotFound{ID: 9})
	if w.Code != brief.CodeNotFound || w.Message != "NotFound: id=9" || len(w.Details) != 1 ||
		w.Details[0].Type != "summer.NotFound" || string(w.Details[0].Value) != `{"id":9}` || string(w.Details[0].Debug) != `{"id":9}` {
		t.Fatalf("FromTypedError: %+v", w)
	}
	var nf NotFound
	if ok, err := w.DecodeDetail("summer.NotFound", &nf); !ok || err != nil || nf.ID != 9 {
		t.Fatalf("DecodeDetail: %v %v %+v", ok, err, nf)
	}
	if _, ok := w.FindDetail("other"); ok {
		t.Fatal("FindDetail found a missing type")
	}
}
