package service

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
)

// EpochInputsFormat names the JSON Lines document of an epoch's inputs that WriteJSON writes (GET
// /v1/witness/epochs/{id}/inputs): a first line {"format", "epoch", "allocations", "verdicts", "policy",
// "events": N}, then N lines {"seq": S, "event": {…}} with each event in its canonical JSON (eventio), in
// seq order, so that a witness reads back exactly the bytes the input digest is taken over.
const EpochInputsFormat = "plaudit-epoch-inputs-v1"

// MaxInputLine is the longest line ReadEpochInputs accepts (the first line holds every allocation).
const MaxInputLine = 256 << 20

type inputsHead struct {
	Format string `json:"format"`
	*EpochInputs
	Count int `json:"events"`
}

type inputsLine struct {
	Seq   int64           `json:"seq"`
	Event json.RawMessage `json:"event"`
}

// WriteJSON writes in as the EpochInputsFormat document.
func (in *EpochInputs) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	head, err := json.Marshal(inputsHead{Format: EpochInputsFormat, EpochInputs: in, Count: len(in.Events)})
	if err != nil {
		return fmt.Errorf("epoch inputs: %w", err)
	}
	bw.Write(append(head, '\n'))
	var buf []byte
	for i := range in.Events {
		ev := &in.Events[i]
		buf = fmt.Appendf(buf[:0], `{"seq":%d,"event":`, ev.Seq)
		if buf, err = eventio.AppendEvent(buf, ev); err != nil {
			return err
		}
		if _, err := bw.Write(append(buf, '}', '\n')); err != nil {
			return fmt.Errorf("epoch inputs: %w", err)
		}
	}
	return bw.Flush()
}

// ReadEpochInputs reads what WriteJSON wrote, strictly: the format, the count, events in seq order, each
// valid; an error names the line.
func ReadEpochInputs(r io.Reader) (*EpochInputs, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), MaxInputLine)
	bad := func(line int, format string, args ...any) (*EpochInputs, error) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "epoch inputs: line %d: %s", line, fmt.Sprintf(format, args...))
	}
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return bad(1, "%v", err)
		}
		return bad(1, "empty document")
	}
	in := &EpochInputs{}
	head := inputsHead{EpochInputs: in}
	if err := json.Unmarshal(sc.Bytes(), &head); err != nil {
		return bad(1, "%v", err)
	}
	if head.Format != EpochInputsFormat {
		return bad(1, "format %q: want %q", head.Format, EpochInputsFormat)
	}
	if in.Epoch == nil || in.Policy == nil {
		return bad(1, "the epoch and its policy are required")
	}
	if head.Count < 0 {
		return bad(1, "events: negative count")
	}
	in.Events = make([]plaudit.Event, 0, min(head.Count, 1<<20))
	line := 1
	for sc.Scan() {
		line++
		var l inputsLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return bad(line, "%v", err)
		}
		var ev plaudit.Event
		if errs := eventio.ParseEvent(l.Event, &ev); len(errs) > 0 {
			return bad(line, "event: field %s: %s", errs[0].Field, errs[0].Reason)
		}
		ev.Seq = l.Seq
		if n := len(in.Events); l.Seq <= 0 || (n > 0 && l.Seq <= in.Events[n-1].Seq) {
			return bad(line, "seq %d: want a positive seq above the line before's", l.Seq)
		}
		in.Events = append(in.Events, ev)
	}
	if err := sc.Err(); err != nil {
		return bad(line+1, "%v", err)
	}
	if len(in.Events) != head.Count {
		return bad(line, "%d events, the first line announced %d", len(in.Events), head.Count)
	}
	return in, nil
}
