//! `rollout apply`: carries out what the MAX Bot API allows of a change set `diff` showed —
//! removals, curators made admins, the removal half of a move — journaled in the state
//! store before each call and after its answer, so a re-run after a crash finishes what is
//! left and repeats nothing. (Being written: issue 13.)
