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
	witnessed := map[string]bool{} // policy hash → whether it lists witnesses: others publish as they close
	for _, ep := range eps {
		on, seen := witnessed[ep.PolicyHash]
		if !seen {
			_, wit, err := s.epochWitnesses(ctx, ep.ID)
			if err != nil {
				return nil, err
			}
			on = wit.Enabled()
			witnessed[ep.PolicyHash] = on
		}
		if !on {
			continue
		}
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
		if st.State == EpochPublished {
			rep.Published = append(rep.Published, ep.ID)
		} else {
			rep.Held = append(rep.Held, st)
		}
	}
	return rep, nil
}
