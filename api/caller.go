package api

import (
	"context"

	"github.com/plaudit/plaudit"
)

// Caller is who made a request: the API key's id and name, its role, and for a member key the member it is
// bound to. Handlers that narrow what a role sees (a member key reads only its own member) read it with
// CallerOf.
type Caller struct {
	KeyID  int64        `json:"key_id,omitempty"` // 0 for a key from PLAUDIT_API_TOKENS or a loopback client without keys
	Name   string       `json:"name,omitempty"`
	Role   plaudit.Role `json:"role"`
	Member string       `json:"member,omitempty"` // the member a member key is bound to

	limitKey string // the rate limiter's bucket
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerOf returns the caller of a request's context, or nil on a public route.
func CallerOf(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}
