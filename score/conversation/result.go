package conversation

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/shopspring/decimal"
)

// num is a decimal written as a bare JSON number with its exact value.
type num decimal.Decimal

// MarshalJSON writes the exact decimal.
func (n num) MarshalJSON() ([]byte, error) { return []byte(decimal.Decimal(n).String()), nil }

// jsFloat is a float64 written as JavaScript writes a number.
type jsFloat float64

// MarshalJSON writes the shortest decimal that reads back as f, as JavaScript does.
func (f jsFloat) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(f), 'f', -1, 64)), nil
}

type tagJSON struct {
	Score        num `json:"score"`
	ElementCount int `json:"elementCount"`
}

type formattingJSON struct {
	Content map[string]tagJSON `json:"content"`
	Result  num                `json:"result"`
}

type wordsJSON struct {
	WordCount int `json:"wordCount"`
	WordValue num `json:"wordValue"`
	Result    num `json:"result"`
}

type readabilityJSON struct {
	FleschKincaid jsFloat `json:"fleschKincaid"`
	Syllables     int     `json:"syllables"`
	Sentences     int     `json:"sentences"`
	Score         jsFloat `json:"score"`
}

type scoreJSON struct {
	Formatting  formattingJSON  `json:"formatting"`
	Priority    int             `json:"priority"`
	Words       wordsJSON       `json:"words"`
	Readability readabilityJSON `json:"readability"`
	Multiplier  num             `json:"multiplier"`
	Relevance   num             `json:"relevance"`
	Authorship  num             `json:"authorship"`
	Reward      num             `json:"reward"`
	Weight      *num            `json:"weight,omitempty"`
}

type commentJSON struct {
	ID          int64      `json:"id"`
	Content     string     `json:"content"`
	URL         string     `json:"url"`
	Timestamp   string     `json:"timestamp,omitempty"`
	CommentType string     `json:"commentType"`
	DiffHunk    string     `json:"diffHunk,omitempty"`
	Score       *scoreJSON `json:"score,omitempty"`
}

type taskJSON struct {
	Reward     num    `json:"reward"`
	Multiplier num    `json:"multiplier"`
	Timestamp  string `json:"timestamp,omitempty"`
	URL        string `json:"url,omitempty"`
}

type effectJSON struct {
	Addition int `json:"addition"`
	Deletion int `json:"deletion"`
}

type reviewJSON struct {
	ReviewID int64      `json:"reviewId"`
	Effect   effectJSON `json:"effect"`
	Reward   num        `json:"reward"`
	Priority int        `json:"priority"`
}

type reviewRewardJSON struct {
	Reviews          []reviewJSON      `json:"reviews"`
	URL              string            `json:"url"`
	ReviewBaseReward *reviewCreditJSON `json:"reviewBaseReward,omitempty"`
}

// reviewCreditJSON is the conclusive-review credit, as the reference writes it.
type reviewCreditJSON struct {
	Reward num `json:"reward"`
}

type userJSON struct {
	Comments      []commentJSON      `json:"comments,omitempty"`
	Task          *taskJSON          `json:"task,omitempty"`
	ReviewRewards []reviewRewardJSON `json:"reviewRewards,omitempty"`
	Total         num                `json:"total"`
	UserID        int64              `json:"userId,omitempty"`
	FeeRate       *num               `json:"feeRate,omitempty"`
}

// scoreToJSON is the "score" object of Ubiquity's result for one comment.
func scoreToJSON(s *CommentScore) *scoreJSON {
	f := s.Formatting
	content := make(map[string]tagJSON, len(f.Tags))
	for k, t := range f.Tags {
		content[k] = tagJSON{Score: num(t.Score), ElementCount: t.ElementCount}
	}
	return &scoreJSON{
		Formatting:  formattingJSON{Content: content, Result: num(f.TagsResult())},
		Priority:    s.Priority,
		Words:       wordsJSON{WordCount: f.Words.WordCount, WordValue: num(f.Words.WordValue), Result: num(f.Words.Result)},
		Readability: readabilityJSON{FleschKincaid: jsFloat(f.Readability.FleschKincaid), Syllables: f.Readability.Syllables, Sentences: f.Readability.Sentences, Score: jsFloat(f.Readability.Score)},
		Multiplier:  num(f.Multiplier),
		Relevance:   num(s.Relevance),
		Authorship:  num(s.Authorship),
		Reward:      num(s.Reward),
	}
}

// MarshalJSON writes the result in Ubiquity's result shape: an object keyed by login, users in the order the
// reference lists them, each with comments (content, url, commentType and the full score), task,
// reviewRewards, total and userId. Numbers are exact decimals.
func (r *Result) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, u := range r.Users {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(u.Login)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(u.toJSON())
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (u *UserResult) toJSON() userJSON {
	out := userJSON{Total: num(u.Total), UserID: u.UserID}
	for _, c := range u.Comments {
		cj := commentJSON{ID: c.ID, Content: c.Content, URL: c.URL, Timestamp: c.Timestamp, CommentType: string(c.Role), DiffHunk: c.DiffHunk}
		if c.Score != nil {
			cj.Score = scoreToJSON(c.Score)
			if !c.Weight.IsZero() {
				w := num(c.Weight)
				cj.Score.Weight = &w
			}
		}
		out.Comments = append(out.Comments, cj)
	}
	if u.Task != nil {
		out.Task = &taskJSON{Reward: num(u.Task.Reward), Multiplier: num(u.Task.Multiplier), Timestamp: u.Task.Timestamp, URL: u.Task.URL}
	}
	if len(u.Reviews) > 0 || u.ReviewCredit.Sign() > 0 {
		rr := reviewRewardJSON{URL: u.ReviewsURL}
		for _, r := range u.Reviews {
			rr.Reviews = append(rr.Reviews, reviewJSON{ReviewID: r.ReviewID, Effect: effectJSON{r.Additions, r.Deletions}, Reward: num(r.Reward), Priority: r.Priority})
		}
		if u.ReviewCredit.Sign() > 0 {
			rr.ReviewBaseReward = &reviewCreditJSON{Reward: num(u.ReviewCredit)}
		}
		out.ReviewRewards = []reviewRewardJSON{rr}
	}
	if u.FeeRate.Sign() > 0 {
		f := num(u.FeeRate)
		out.FeeRate = &f
	}
	return out
}

// CommentJSON is the `plaudit score comment` answer: the reward and the evaluation behind it.
type CommentJSON struct {
	Reward      num             `json:"reward"`
	Formatting  formattingJSON  `json:"formatting"`
	Words       wordsJSON       `json:"words"`
	Readability readabilityJSON `json:"readability"`
	Multiplier  num             `json:"multiplier"`
}

// JSON returns the comment score in the shape `plaudit score comment` writes.
func (s *CommentScore) JSON() CommentJSON {
	sj := scoreToJSON(s)
	return CommentJSON{Reward: sj.Reward, Formatting: sj.Formatting, Words: sj.Words, Readability: sj.Readability, Multiplier: sj.Multiplier}
}
