// Package sample holds what the example's publishers send and how the example prints
// events: the same in every language, so that what arrives can be compared with what
// was sent.
package sample

import (
	"fmt"
	"time"

	"github.com/brief-rpc/brief/examples/events/go/gen/accounts"
	brief "github.com/brief-rpc/brief/runtime/go"
)

// Opened returns the nth account-opened event a publisher sends.
func Opened(n int64) *accounts.AccountOpened {
	plans := []accounts.Plan{accounts.PlanFree, accounts.PlanTeam, accounts.PlanEnterprise}
	e := &accounts.AccountOpened{
		AccountID: n,
		Email:     fmt.Sprintf("owner-%d@example.com", n),
		Plan:      plans[((n%3)+3)%3],
		Tags:      []string{},
		// 2026-12-03T13:00:00Z plus n minutes.
		OpenedAt: time.Unix(1796302800+60*n, 0).UTC(),
	}
	for i := int64(0); i < n%3; i++ {
		e.Tags = append(e.Tags, fmt.Sprintf("tag-%d", i))
	}
	if n%2 == 0 {
		referrer := fmt.Sprintf("friend-%d", n)
		e.Referrer = &referrer
	}
	return e
}

// Closed returns the nth account-closed event a publisher sends.
func Closed(n int64) *accounts.AccountClosed {
	return &accounts.AccountClosed{AccountID: n, Reason: fmt.Sprintf("closed by its owner (%d)", n)}
}

// Line is the example's line for one event: "<topic> <id> <data as JSON>".
func Line(topic, id string, data brief.Encodable) string {
	return fmt.Sprintf("%s %s %s", topic, id, brief.AppendMessage(nil, data))
}
