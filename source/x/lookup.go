package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Lookups for the Discord bot: whose is a submitted post, which id has a handle, and whom an OAuth 2.0
// user token belongs to. X answers an unknown post or user with 200 and an "errors" array, not 404.

// ErrNotFound is a post or user X does not know (deleted, suspended, protected or never there).
var ErrNotFound = errors.New("not found on X")

// PostAuthor is a post and its author as GET /2/tweets/:id with the author expansion gives them.
type PostAuthor struct {
	Post   Tweet
	Author User
}

// lookupAnswer is the shape of a single-object answer: data, the expanded users, or errors.
type lookupAnswer[T any] struct {
	Data     *T `json:"data"`
	Includes struct {
		Users []User `json:"users"`
	} `json:"includes"`
	Errors []APIError `json:"errors"`
}

func decodeLookup[T any](b []byte, what string) (*lookupAnswer[T], error) {
	var a lookupAnswer[T]
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("decode X %s answer: %w", what, err)
	}
	if a.Data == nil {
		if len(a.Errors) > 0 {
			return nil, fmt.Errorf("%s: %w (%s)", what, ErrNotFound, clipText(a.Errors[0].Detail, 200))
		}
		return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return &a, nil
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// LookupPost reads post id (GET /2/tweets/:id, author expanded): who wrote it. An unknown post is
// ErrNotFound.
func (c *Client) LookupPost(ctx context.Context, id string) (*PostAuthor, error) {
	if err := checkID(id); err != nil {
		return nil, fmt.Errorf("x post id %w", err)
	}
	b, err := c.get(ctx, "/2/tweets/"+id, url.Values{"expansions": {"author_id"}, "tweet.fields": {"author_id,created_at"},
		"user.fields": {"username"}})
	if err != nil {
		return nil, err
	}
	a, err := decodeLookup[Tweet](b, "post "+id)
	if err != nil {
		return nil, err
	}
	if err := checkID(a.Data.AuthorID); err != nil {
		return nil, fmt.Errorf("decode X post %s: author_id %w", id, err)
	}
	out := &PostAuthor{Post: *a.Data, Author: User{ID: a.Data.AuthorID}}
	for _, u := range a.Includes.Users {
		if u.ID == a.Data.AuthorID {
			out.Author = u
		}
	}
	return out, nil
}

// UserByUsername reads the user with a username (GET /2/users/by/username/:username). An unknown one is
// ErrNotFound.
func (c *Client) UserByUsername(ctx context.Context, username string) (*User, error) {
	b, err := c.get(ctx, "/2/users/by/username/"+url.PathEscape(username), url.Values{"user.fields": {"created_at,public_metrics,username"}})
	if err != nil {
		return nil, err
	}
	a, err := decodeLookup[User](b, "user @"+username)
	if err != nil {
		return nil, err
	}
	if err := checkID(a.Data.ID); err != nil {
		return nil, fmt.Errorf("decode X user @%s: id %w", username, err)
	}
	return a.Data, nil
}

// Me reads the user an OAuth 2.0 user token belongs to (GET /2/users/me) at the API base, through hc,
// which adds the token (an oauth2 client): the proof that a member owns an X account.
func Me(ctx context.Context, hc *http.Client, base string) (*User, error) {
	if base == "" {
		base = DefaultAPIURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/2/users/me", nil)
	if err != nil {
		return nil, fmt.Errorf("x users/me: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("x users/me: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("x users/me: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("x users/me: status %d: %.200s", resp.StatusCode, b)
	}
	a, err := decodeLookup[User](b, "users/me")
	if err != nil {
		return nil, err
	}
	if err := checkID(a.Data.ID); err != nil {
		return nil, fmt.Errorf("decode X users/me: id %w", err)
	}
	return a.Data, nil
}

// CheckSubmitted reads only the engagement of the posts submitted in the last 24 hours (what Poll does
// after its searches): the x-engagement job runs it every discord.check_every.
func (p *Poller) CheckSubmitted(ctx context.Context) (Result, error) {
	var res Result
	err := p.engagement(ctx, &res)
	if errors.Is(err, errBudget) {
		res.BudgetExhausted, err = true, nil
		p.logger().Warn("x daily read budget spent: polling stops until the next UTC day", "budget", p.Config.DailyReadBudget,
			"query", "engagement of submitted posts")
	}
	res.EstimatedCost = cost(res.PostsRead, res.UsersRead)
	return res, err
}
