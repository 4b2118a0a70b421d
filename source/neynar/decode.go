// Package neynar is the Farcaster source: the handler of Neynar's webhooks (POST /webhooks/neynar). It
// verifies each body's X-Neynar-Signature (HMAC-SHA512 of the raw body with the webhook's secret) before
// reading anything, turns cast.created, cast.deleted, reaction.created, reaction.deleted and follow.created
// into canonical farcaster events, and appends them through the service, the one validation path. Event ids
// are deterministic (the cast hash, or ids made from the reaction's or follow's parties), so a redelivered
// webhook stores nothing twice.
package neynar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score/cast"
)

// The webhook types the source stores; others are answered 200 and ignored.
const (
	TypeCastCreated     = "cast.created"
	TypeCastDeleted     = "cast.deleted"
	TypeReactionCreated = "reaction.created"
	TypeReactionDeleted = "reaction.deleted"
	TypeFollowCreated   = "follow.created"
)

// Target is the campaign's account: a cast is stored when it mentions it or replies to one of its casts
// (or is its own).
type Target struct {
	Username string
	FID      int64
}

// Decoded is what one webhook body gives: its type, the events to store (none for an ignored body), and
// why it was ignored when it was.
type Decoded struct {
	Type    string
	Events  []plaudit.Event
	Ignored string // non-empty when the body is well-formed but not stored, saying why
}

// envelope is Neynar's webhook envelope: {"created_at": 1700000000, "type": "cast.created", "data": {…}}.
type envelope struct {
	CreatedAt json.RawMessage `json:"created_at"`
	Type      string          `json:"type"`
	Data      json.RawMessage `json:"data"`
}

// dehydratedUser is Neynar's dehydrated user: what reactions and follows carry of their parties.
type dehydratedUser struct {
	FID      *int64 `json:"fid"`
	Username string `json:"username"`
}

type reaction struct {
	Timestamp    string          `json:"timestamp"`
	ReactionType json.RawMessage `json:"reaction_type"`
	User         *dehydratedUser `json:"user"`
	Cast         *struct {
		Hash   string          `json:"hash"`
		Author *dehydratedUser `json:"author"`
	} `json:"cast"`
}

type follow struct {
	Timestamp  string          `json:"timestamp"`
	User       *dehydratedUser `json:"user"`
	TargetUser *dehydratedUser `json:"target_user"`
}

func fieldErr(field, format string, args ...any) *plaudit.FieldError {
	return &plaudit.FieldError{Index: -1, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Decode turns one verified webhook body into canonical farcaster events. Bad input gives a
// *plaudit.FieldError naming the field ("data.user.fid"); a type the source does not store gives a Decoded
// with Ignored set and no events.
func Decode(body []byte, t Target) (*Decoded, error) {
	if len(body) > cast.MaxWebhookSize {
		return nil, fieldErr("", "webhook too large: %d bytes, at most %d", len(body), cast.MaxWebhookSize)
	}
	var env envelope
	if err := unmarshal(body, &env); err != nil {
		return nil, jsonError(err, "")
	}
	d := &Decoded{Type: env.Type}
	switch env.Type {
	case "":
		return nil, fieldErr("type", "missing")
	case TypeCastCreated, TypeCastDeleted, TypeReactionCreated, TypeReactionDeleted, TypeFollowCreated:
	default:
		d.Ignored = "type " + strconv.Quote(truncate(env.Type, 40)) + " is not stored"
		return d, nil
	}
	if _, err := createdAt(env, time.Time{}); err != nil {
		return nil, err
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return nil, fieldErr("data", "missing")
	}
	var err error
	switch env.Type {
	case TypeCastCreated:
		err = d.castCreated(env.Data, t)
	case TypeCastDeleted:
		err = d.castDeleted(env, t)
	case TypeReactionCreated, TypeReactionDeleted:
		err = d.reaction(env)
	case TypeFollowCreated:
		err = d.follow(env.Data)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// engages reports whether c mentions the target, replies to one of its casts, or is its own.
func engages(c *cast.Cast, t Target) bool {
	if c.FID == t.FID || (c.ParentHash != "" && c.ParentAuthorFID == t.FID) {
		return true
	}
	for _, m := range c.Mentioned {
		if m.FID == t.FID || (m.FID == 0 && t.Username != "" && strings.EqualFold(m.Username, t.Username)) {
			return true
		}
	}
	return false
}

func (d *Decoded) castCreated(data []byte, t Target) error {
	c, err := cast.DecodeCast(data)
	if err != nil {
		return err
	}
	if !engages(c, t) {
		d.Ignored = fmt.Sprintf("cast %s neither mentions %s nor replies to its casts", truncate(c.Hash, 80), t.Username)
		return nil
	}
	d.Events = append(d.Events, CastEvent(c))
	return nil
}

// CastEvent is the canonical farcaster event of a cast: a post, or a reply whose target is the parent
// hash, with the attributes the cast scorer reads (docs/events.md).
func CastEvent(c *cast.Cast) plaudit.Event {
	fid := strconv.FormatInt(c.FID, 10)
	num := func(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }
	attrs := map[string]any{
		"fid":            fid,
		"follower_count": num(c.Followers),
		"power_badge":    c.PowerBadge,
		"likes_count":    num(c.Likes),
		"recasts_count":  num(c.Recasts),
		"replies_count":  num(c.Replies),
		"embeds":         num(int64(c.Embeds)),
	}
	if c.Username != "" {
		attrs["username"] = c.Username
	}
	if c.Channel != "" {
		attrs["channel"] = c.Channel
	}
	if len(c.Mentioned) > 0 {
		names := make([]any, 0, len(c.Mentioned))
		for _, m := range c.Mentioned {
			names = append(names, m.Username)
		}
		attrs["mentioned"] = names
	}
	e := plaudit.Event{Source: plaudit.SourceFarcaster, ExternalID: c.Hash, Kind: plaudit.KindPost, Actor: fid,
		Content: c.Text, Time: c.Time.UTC(), Attrs: attrs}
	if c.ParentHash != "" {
		e.Kind, e.Target = plaudit.KindReply, c.ParentHash
		if c.ParentAuthorFID > 0 {
			e.TargetAuthor = strconv.FormatInt(c.ParentAuthorFID, 10)
		}
	}
	return e
}

func (d *Decoded) castDeleted(env envelope, t Target) error {
	c, err := cast.DecodeCast(env.Data)
	if err != nil {
		return err
	}
	at, err := createdAt(env, c.Time)
	if err != nil {
		return err
	}
	d.Events = append(d.Events, deleteEvent(c.Hash, strconv.FormatInt(c.FID, 10), at))
	return nil
}

// deleteEvent records that the event target (an id of source farcaster) was deleted.
func deleteEvent(target, actor string, at time.Time) plaudit.Event {
	return plaudit.Event{Source: plaudit.SourceFarcaster, ExternalID: "delete:" + target, Kind: plaudit.KindDelete,
		Actor: actor, Target: target, Time: at}
}

// createdAt is the envelope's created_at (Unix seconds): when a delete happened. Without it, fallback.
func createdAt(env envelope, fallback time.Time) (time.Time, error) {
	if len(env.CreatedAt) == 0 || string(env.CreatedAt) == "null" {
		return fallback.UTC(), nil
	}
	n, err := strconv.ParseInt(string(env.CreatedAt), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, fieldErr("created_at", "want Unix seconds, got %s", truncate(string(env.CreatedAt), 40))
	}
	return time.Unix(n, 0).UTC(), nil
}

func userFID(u *dehydratedUser, field string) (string, error) {
	switch {
	case u == nil:
		return "", fieldErr(field, "missing")
	case u.FID == nil:
		return "", fieldErr(field+".fid", "missing")
	case *u.FID <= 0:
		return "", fieldErr(field+".fid", "want a positive fid, got %d", *u.FID)
	}
	return strconv.FormatInt(*u.FID, 10), nil
}

func parseTime(s, field string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fieldErr(field, "missing")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fieldErr(field, "want an RFC 3339 time, got %q", truncate(s, 40))
	}
	return t.UTC(), nil
}

// ReactionID is the event id of a reaction: one per (kind, fid, cast), as Farcaster keeps at most one like
// and one recast of a cast per account, so that its delete names it.
func ReactionID(kind plaudit.Kind, fid, hash string) string {
	return string(kind) + ":" + fid + ":" + hash
}

func (d *Decoded) reaction(env envelope) error {
	var r reaction
	if err := unmarshal(env.Data, &r); err != nil {
		return jsonError(err, "data")
	}
	var kind plaudit.Kind
	switch string(r.ReactionType) {
	case "1":
		kind = plaudit.KindLike
	case "2":
		kind = plaudit.KindRepost
	case "", "null":
		return fieldErr("data.reaction_type", "missing")
	default:
		return fieldErr("data.reaction_type", "want 1 (like) or 2 (recast), got %s", truncate(string(r.ReactionType), 40))
	}
	actor, err := userFID(r.User, "data.user")
	if err != nil {
		return err
	}
	if r.Cast == nil || r.Cast.Hash == "" {
		return fieldErr("data.cast.hash", "missing")
	}
	at, err := parseTime(r.Timestamp, "data.timestamp")
	if err != nil {
		return err
	}
	id := ReactionID(kind, actor, r.Cast.Hash)
	if env.Type == TypeReactionDeleted {
		if at, err = createdAt(env, at); err != nil {
			return err
		}
		d.Events = append(d.Events, deleteEvent(id, actor, at))
		return nil
	}
	e := plaudit.Event{Source: plaudit.SourceFarcaster, ExternalID: id, Kind: kind, Actor: actor, Target: r.Cast.Hash, Time: at}
	if r.Cast.Author != nil && r.Cast.Author.FID != nil && *r.Cast.Author.FID > 0 {
		e.TargetAuthor = strconv.FormatInt(*r.Cast.Author.FID, 10)
	}
	if r.User.Username != "" {
		e.Attrs = map[string]any{"username": r.User.Username}
	}
	d.Events = append(d.Events, e)
	return nil
}

func (d *Decoded) follow(data []byte) error {
	var f follow
	if err := unmarshal(data, &f); err != nil {
		return jsonError(err, "data")
	}
	actor, err := userFID(f.User, "data.user")
	if err != nil {
		return err
	}
	target, err := userFID(f.TargetUser, "data.target_user")
	if err != nil {
		return err
	}
	at, err := parseTime(f.Timestamp, "data.timestamp")
	if err != nil {
		return err
	}
	e := plaudit.Event{Source: plaudit.SourceFarcaster, ExternalID: "follow:" + actor + ":" + target, Kind: plaudit.KindFollow,
		Actor: actor, Target: target, TargetAuthor: target, Time: at}
	if f.User.Username != "" {
		e.Attrs = map[string]any{"username": f.User.Username}
	}
	d.Events = append(d.Events, e)
	return nil
}

// unmarshal decodes one JSON value (numbers kept as text) and refuses trailing data after it.
func unmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("json: trailing data after the object")
	}
	return nil
}

// jsonError turns encoding/json's errors into a FieldError naming the field or the byte offset.
func jsonError(err error, prefix string) *plaudit.FieldError {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	join := func(f string) string {
		switch {
		case prefix == "":
			return f
		case f == "":
			return prefix
		}
		return prefix + "." + f
	}
	switch {
	case errors.As(err, &te):
		return fieldErr(join(te.Field), "wrong type: JSON %s", te.Value)
	case errors.As(err, &se):
		return fieldErr(prefix, "malformed JSON at byte %d", se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fieldErr(prefix, "truncated JSON")
	}
	return fieldErr(prefix, "%s", strings.TrimPrefix(err.Error(), "json: "))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
