package x

import (
	"encoding/json"
	"fmt"
	"time"
)

// Tweet is a post as API v2 returns it with the fields the poller asks for.
type Tweet struct {
	ID               string    `json:"id"`
	Text             string    `json:"text"`
	AuthorID         string    `json:"author_id"`
	ConversationID   string    `json:"conversation_id"`
	InReplyToUserID  string    `json:"in_reply_to_user_id"`
	CreatedAt        time.Time `json:"created_at"`
	ReferencedTweets []struct {
		Type string `json:"type"` // replied_to, quoted, retweeted
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	Entities struct {
		Mentions []struct {
			Username string `json:"username"`
			ID       string `json:"id"`
		} `json:"mentions"`
		Hashtags []struct {
			Tag string `json:"tag"`
		} `json:"hashtags"`
		Cashtags []struct {
			Tag string `json:"tag"`
		} `json:"cashtags"`
	} `json:"entities"`
}

// User is an account as API v2 returns it with the fields the poller asks for.
type User struct {
	ID            string    `json:"id"`
	Username      string    `json:"username"`
	CreatedAt     time.Time `json:"created_at"`
	PublicMetrics struct {
		FollowersCount int64 `json:"followers_count"`
	} `json:"public_metrics"`
}

// APIError is one entry of a response's "errors" array.
type APIError struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
}

// TweetsPage is one page of a tweets answer (users/:id/tweets, users/:id/mentions, tweets/search/recent,
// tweets/:id/quote_tweets): the posts, the expanded users and referenced posts, and meta with the
// pagination token.
type TweetsPage struct {
	Data     []Tweet `json:"data"`
	Includes struct {
		Users  []User  `json:"users"`
		Tweets []Tweet `json:"tweets"`
	} `json:"includes"`
	Meta struct {
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
	Errors []APIError `json:"errors"`
}

// UsersPage is one page of a users answer (tweets/:id/liking_users, tweets/:id/retweeted_by).
type UsersPage struct {
	Data []User `json:"data"`
	Meta struct {
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
	Errors []APIError `json:"errors"`
}

// DecodeTweets decodes a tweets answer and checks that every post has an id, an author and a time.
func DecodeTweets(b []byte) (*TweetsPage, error) {
	var p TweetsPage
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode X tweets answer: %w", err)
	}
	for i, t := range p.Data {
		if err := checkID(t.ID); err != nil {
			return nil, fmt.Errorf("decode X tweets answer: data[%d].id: %w", i, err)
		}
		if err := checkID(t.AuthorID); err != nil {
			return nil, fmt.Errorf("decode X tweets answer: data[%d] (post %s).author_id: %w", i, t.ID, err)
		}
		if t.CreatedAt.IsZero() {
			return nil, fmt.Errorf("decode X tweets answer: data[%d] (post %s).created_at: missing", i, t.ID)
		}
	}
	return &p, nil
}

// DecodeUsers decodes a users answer and checks that every user has an id.
func DecodeUsers(b []byte) (*UsersPage, error) {
	var p UsersPage
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode X users answer: %w", err)
	}
	for i, u := range p.Data {
		if err := checkID(u.ID); err != nil {
			return nil, fmt.Errorf("decode X users answer: data[%d].id: %w", i, err)
		}
	}
	return &p, nil
}

func checkID(id string) error {
	if id == "" || len(id) > 20 {
		return fmt.Errorf("%q: want a numeric id", id)
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return fmt.Errorf("%q: want a numeric id", id)
		}
	}
	return nil
}
