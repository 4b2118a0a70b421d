package service

import "context"

// PublishReport is what one publishing round did: the witnessed epochs it published (by id, in close
// order) and the states of those it holds, each saying why (WitnessState.Held).
type PublishReport struct {
	Published []string        `json:"published"`
	Held      []*WitnessState `json:"held"`
}

// PublishRound publishes every closed epoch of program ("" for all) that is due — attested by M witnesses,
// its dispute window over, no open dispute, no pending or unresolved rejected review item — and reports
// what it published and what it holds. Epochs without witnesses (published as they close) and epochs
// published before are in neither list, so a second round right after the first publishes nothing. The
// publish job runs it every jobs.publish_every.
func (s *Service) PublishRound(ctx context.Context, program string) (*PublishReport, error) {
	ws, err := s.witnessStore()
	if err != nil {
		return nil, err
	}
	eps, err := s.store.Epochs(ctx, program)
	if err != nil {
		return nil, err
	}
	rep := &PublishReport{Published: []string{}, Held: []*WitnessState{}}
	for _, ep := range eps {
		before, err := ws.Published(ctx, ep.ID)
		if err != nil {
			return nil, err
		}
		if !before.IsZero() {
			continue
		}
		st, err := s.WitnessState(ctx, ep.ID)
		if err != nil {
			return nil, err
		}
		switch {
		case st.State != EpochPublished:
			rep.Held = append(rep.Held, st)
		case len(st.Witnesses) > 0:
			rep.Published = append(rep.Published, ep.ID)
		}
	}
	return rep, nil
}
