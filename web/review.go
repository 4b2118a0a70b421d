package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// reviewsData is the review queue page of one epoch: where it stands with its witnesses (and why it is
// held) and its queue.
type reviewsData struct {
	Epoch string
	State *service.WitnessState
	Queue *service.ReviewQueue
}

// epochReviews shows a closed epoch's review queue (docs/witness.md): the payout lines above review_above
// and the second-look sample, with approve and reject forms for admin and core; a viewer reads it only.
func (p *Panel) epochReviews(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	q, err := p.svc.EpochReviews(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	st, err := p.svc.WitnessState(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.show(w, r, "reviews", "Reviews of "+q.Epoch, reviewsData{Epoch: q.Epoch, State: st, Queue: q})
}

// reviewDecide approves or rejects one pending review item, as the signed-in operator, with a reason.
func (p *Panel) reviewDecide(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	to := Prefix + "epochs/" + pathEscape(id) + "/reviews"
	item, err := strconv.ParseInt(r.PathValue("item"), 10, 64)
	if err != nil || item <= 0 {
		p.problem(w, r, http.StatusBadRequest, "Bad review item", "want a review item number")
		return
	}
	decision := r.PostForm.Get("decision")
	if decision != service.ReviewApprove && decision != service.ReviewReject {
		p.problem(w, r, http.StatusBadRequest, "Bad decision", "want approve or reject")
		return
	}
	it, st, err := p.svc.DecideReview(r.Context(), id, item, decision, operatorName(r), r.PostForm.Get("reason"))
	if err != nil {
		back(w, r, to, fmt.Sprintf("Item %d not decided: %s", item, plaudit.ErrorMessage(err)))
		return
	}
	msg := fmt.Sprintf("Item %d %s. The epoch is %s.", it.ID, it.Status, st.State)
	if st.Held != "" {
		msg = fmt.Sprintf("Item %d %s. The epoch is %s: %s.", it.ID, it.Status, st.State, st.Held)
	}
	p.log.Info("panel: review decided", "epoch", id, "item", it.ID, "status", it.Status, "by", operatorName(r))
	back(w, r, to, msg)
}
