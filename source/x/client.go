package x

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit/internal/wait"
)

// Client calls X's API v2 with an app bearer token. It obeys the rate limits: a 429 is waited out until
// x-rate-limit-reset (X sends no Retry-After), and an answer with x-rate-limit-remaining 0 makes the next
// request wait for the reset.
type Client struct {
	base  string
	token string
	http  *http.Client
	// Now is the clock (time.Now when nil); Sleep waits (a context-aware sleep when nil). Tests inject both.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives the rate-limit waits.
	Logger *slog.Logger
	// MaxRetries bounds the 429s waited out for one request (3 when 0).
	MaxRetries int
	resetAt    time.Time
}

// NewClient returns a client of the API at base (DefaultAPIURL when "").
func NewClient(base, token string, hc *http.Client) (*Client, error) {
	if base == "" {
		base = DefaultAPIURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("x api_url %q: want an http(s) URL", base)
	}
	if token == "" {
		return nil, errors.New("x bearer_token: missing")
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(base, "/"), token: token, http: hc}, nil
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return wait.Sleep(ctx, d)
}

func (c *Client) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

// get fetches path with the query q and returns the body of a 200 answer.
func (c *Client) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	retries := c.MaxRetries
	if retries == 0 {
		retries = 3
	}
	for attempt := 0; ; attempt++ {
		if wait := c.resetAt.Sub(c.now()); wait > 0 {
			c.logger().Info("x rate limit: waiting for the reset", "path", path, "wait", wait.String())
			if err := c.sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("x %s: waiting for the rate-limit reset: %w", path, err)
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path+"?"+q.Encode(), nil)
		if err != nil {
			return nil, fmt.Errorf("x %s: %w", path, err)
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, fmt.Errorf("x %s: %w", path, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("x %s: read answer: %w", path, err)
		}
		reset := c.reset(resp.Header)
		if resp.StatusCode == http.StatusTooManyRequests {
			if reset.IsZero() {
				reset = c.now().Add(time.Minute)
			}
			c.resetAt = reset
			if attempt >= retries {
				return nil, fmt.Errorf("x %s: still rate limited (429) after %d waits", path, attempt)
			}
			continue
		}
		if resp.Header.Get("x-rate-limit-remaining") == "0" && !reset.IsZero() {
			c.resetAt = reset
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("x %s: status %d: %.300s", path, resp.StatusCode, body)
		}
		return body, nil
	}
}

// reset reads x-rate-limit-reset (Unix seconds); zero when absent or unreadable.
func (c *Client) reset(h http.Header) time.Time {
	s, err := strconv.ParseInt(h.Get("x-rate-limit-reset"), 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

// tweetFields are the fields, expansions and user fields every tweets request asks for.
func tweetParams(q url.Values) url.Values {
	q.Set("tweet.fields", "author_id,conversation_id,created_at,entities,in_reply_to_user_id,referenced_tweets")
	q.Set("expansions", "author_id,referenced_tweets.id,referenced_tweets.id.author_id")
	q.Set("user.fields", "created_at,public_metrics,username")
	return q
}

// SearchRecent reads one page of tweets/search/recent for query (X keeps the last 7 days), newer than
// sinceID when given, continuing at next when given.
func (c *Client) SearchRecent(ctx context.Context, query, sinceID, next string, max int) (*TweetsPage, error) {
	q := tweetParams(url.Values{"query": {query}, "max_results": {strconv.Itoa(max)}})
	if sinceID != "" {
		q.Set("since_id", sinceID)
	}
	if next != "" {
		q.Set("next_token", next)
	}
	b, err := c.get(ctx, "/2/tweets/search/recent", q)
	if err != nil {
		return nil, err
	}
	p, err := DecodeTweets(b)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", query, err)
	}
	return p, nil
}
