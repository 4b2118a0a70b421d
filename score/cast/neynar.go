package cast

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
)

// MaxWebhookSize is the largest Neynar webhook body DecodeWebhook accepts, in bytes.
const MaxWebhookSize = 1 << 20

// neynarWebhook is the part of Neynar's webhook envelope the score reads:
// {"created_at": 1700000000, "type": "cast.created", "data": {…cast…}}.
type neynarWebhook struct {
	CreatedAt json.Number     `json:"created_at"`
	Type      string          `json:"type"`
	Data      json.RawMessage `json:"data"`
}

// neynarCast is the part of Neynar's cast object the score reads.
type neynarCast struct {
	Hash         string  `json:"hash"`
	ParentHash   *string `json:"parent_hash"`
	ParentAuthor *struct {
		FID *int64 `json:"fid"`
	} `json:"parent_author"`
	Text              string          `json:"text"`
	Timestamp         string          `json:"timestamp"`
	Embeds            []any           `json:"embeds"`
	MentionedProfiles []neynarProfile `json:"mentioned_profiles"`
	Channel           *struct {
		ID string `json:"id"`
	} `json:"channel"`
	Author struct {
		FID           *int64 `json:"fid"`
		Username      string `json:"username"`
		FollowerCount int64  `json:"follower_count"`
		PowerBadge    bool   `json:"power_badge"`
	} `json:"author"`
	Reactions struct {
		LikesCount   int64 `json:"likes_count"`
		RecastsCount int64 `json:"recasts_count"`
	} `json:"reactions"`
	Replies struct {
		Count int64 `json:"count"`
	} `json:"replies"`
}

type neynarProfile struct {
	FID      int64  `json:"fid"`
	Username string `json:"username"`
}

// fieldErr returns a *plaudit.FieldError naming a field of the webhook.
func fieldErr(field, format string, args ...any) *plaudit.FieldError {
	return &plaudit.FieldError{Index: -1, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// jsonError turns encoding/json's errors into a FieldError naming the field (type errors) or the byte
// offset (syntax errors). prefix is the path of the object being decoded ("data").
func jsonError(err error, prefix string) *plaudit.FieldError {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if prefix != "" {
			field = prefix + "." + field
		}
		if te.Field == "" {
			field = prefix
		}
		want := te.Type.Kind().String()
		switch want {
		case "int64", "int":
			want = "a whole number"
		case "string":
			want = "a string"
		case "bool":
			want = "true or false"
		case "struct", "ptr":
			want = "an object"
		case "slice":
			want = "an array"
		}
		return fieldErr(field, "want %s, got JSON %s", want, te.Value)
	case errors.As(err, &se):
		return fieldErr(prefix, "malformed JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fieldErr(prefix, "truncated JSON")
	}
	return fieldErr(prefix, "%s", strings.TrimPrefix(err.Error(), "json: "))
}

// DecodeWebhook decodes one Neynar `cast.created` webhook body into a Cast. Bad input gives a
// *plaudit.FieldError naming the field ("data.author.fid"). Fields the score does not read are ignored, as
// Neynar adds fields over time.
func DecodeWebhook(body []byte) (*Cast, error) {
	if len(body) > MaxWebhookSize {
		return nil, fieldErr("", "webhook too large: %d bytes, at most %d", len(body), MaxWebhookSize)
	}
	var w neynarWebhook
	if err := strictUnmarshal(body, &w); err != nil {
		return nil, jsonError(err, "")
	}
	if w.Type != "cast.created" {
		if w.Type == "" {
			return nil, fieldErr("type", "missing: want \"cast.created\"")
		}
		return nil, fieldErr("type", "want \"cast.created\", got %q", truncate(w.Type, 40))
	}
	return DecodeCast(w.Data)
}

// DecodeCast decodes the data object of a Neynar cast webhook (cast.created, cast.deleted): Neynar's cast
// object. Errors are *plaudit.FieldError naming the field under "data". It is the one decoder of the cast
// object, for the score and for the Farcaster source alike.
func DecodeCast(data []byte) (*Cast, error) {
	if len(data) == 0 || string(data) == "null" {
		return nil, fieldErr("data", "missing")
	}
	var nc neynarCast
	if err := strictUnmarshal(data, &nc); err != nil {
		return nil, jsonError(err, "data")
	}
	return nc.toCast()
}

// strictUnmarshal decodes one JSON value and refuses trailing data after it.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("json: trailing data after the object")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (nc *neynarCast) toCast() (*Cast, error) {
	switch {
	case nc.Hash == "":
		return nil, fieldErr("data.hash", "missing")
	case nc.Author.FID == nil:
		return nil, fieldErr("data.author.fid", "missing")
	case *nc.Author.FID <= 0:
		return nil, fieldErr("data.author.fid", "want a positive fid, got %d", *nc.Author.FID)
	case nc.Timestamp == "":
		return nil, fieldErr("data.timestamp", "missing")
	case nc.Author.FollowerCount < 0:
		return nil, fieldErr("data.author.follower_count", "must not be negative")
	case nc.Reactions.LikesCount < 0:
		return nil, fieldErr("data.reactions.likes_count", "must not be negative")
	case nc.Reactions.RecastsCount < 0:
		return nil, fieldErr("data.reactions.recasts_count", "must not be negative")
	case nc.Replies.Count < 0:
		return nil, fieldErr("data.replies.count", "must not be negative")
	}
	t, err := time.Parse(time.RFC3339Nano, nc.Timestamp)
	if err != nil {
		return nil, fieldErr("data.timestamp", "want an RFC 3339 time, got %q", truncate(nc.Timestamp, 40))
	}
	c := &Cast{
		Hash:       nc.Hash,
		FID:        *nc.Author.FID,
		Username:   nc.Author.Username,
		Text:       nc.Text,
		Time:       t,
		Embeds:     len(nc.Embeds),
		Followers:  nc.Author.FollowerCount,
		PowerBadge: nc.Author.PowerBadge,
		Likes:      nc.Reactions.LikesCount,
		Recasts:    nc.Reactions.RecastsCount,
		Replies:    nc.Replies.Count,
	}
	if nc.ParentHash != nil {
		c.ParentHash = *nc.ParentHash
	}
	if nc.ParentAuthor != nil && nc.ParentAuthor.FID != nil && *nc.ParentAuthor.FID > 0 {
		c.ParentAuthorFID = *nc.ParentAuthor.FID
	}
	if nc.Channel != nil {
		c.Channel = nc.Channel.ID
		if c.Channel == "" {
			c.Channel = "(unnamed)"
		}
	}
	for _, m := range nc.MentionedProfiles {
		c.Mentioned = append(c.Mentioned, Profile(m))
	}
	return c, nil
}

// FromEvent reads a farcaster post or reply event (the attribute conventions of the team brief: fid,
// username, follower_count, power_badge, likes_count, recasts_count, replies_count, embeds, channel,
// mentioned) as a Cast. A reply's parent is the event's target. Missing counts are 0; a malformed one is an
// error naming the attribute.
func FromEvent(e *plaudit.Event) (*Cast, error) {
	c := &Cast{Hash: e.ExternalID, Text: e.Content, Time: e.Time}
	if e.Kind == plaudit.KindReply {
		c.ParentHash = e.Target
		if c.ParentHash == "" {
			c.ParentHash = "(unknown)"
		}
	}
	fid := e.Actor
	if s, ok := e.AttrString("fid"); ok {
		fid = s
	}
	n, err := strconv.ParseInt(fid, 10, 64)
	if err != nil || n <= 0 {
		return nil, fieldErr("attrs.fid", "want a positive fid, got %q", truncate(fid, 40))
	}
	c.FID = n
	c.Username, _ = e.AttrString("username")
	c.Channel, _ = e.AttrString("channel")
	for _, a := range []struct {
		key string
		dst *int64
	}{{"follower_count", &c.Followers}, {"likes_count", &c.Likes}, {"recasts_count", &c.Recasts}, {"replies_count", &c.Replies}} {
		if _, present := e.Attrs[a.key]; !present {
			continue
		}
		v, ok := e.AttrInt(a.key)
		if !ok || v < 0 {
			return nil, fieldErr("attrs."+a.key, "want a non-negative whole number")
		}
		*a.dst = v
	}
	if _, present := e.Attrs["embeds"]; present {
		v, ok := e.AttrInt("embeds")
		if !ok || v < 0 || v > 1<<20 {
			return nil, fieldErr("attrs.embeds", "want a non-negative count of embeds")
		}
		c.Embeds = int(v)
	}
	if _, present := e.Attrs["power_badge"]; present {
		b, ok := e.AttrBool("power_badge")
		if !ok {
			return nil, fieldErr("attrs.power_badge", "want true or false")
		}
		c.PowerBadge = b
	}
	if m, present := e.Attrs["mentioned"]; present {
		list, ok := m.([]any)
		if !ok {
			return nil, fieldErr("attrs.mentioned", "want an array of usernames")
		}
		for i, x := range list {
			s, ok := x.(string)
			if !ok {
				return nil, fieldErr(fmt.Sprintf("attrs.mentioned[%d]", i), "want a username string")
			}
			c.Mentioned = append(c.Mentioned, Profile{Username: s})
		}
	}
	return c, nil
}
