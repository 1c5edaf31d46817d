import type { Migration } from '../../../../platform/migrations';

export const m006RunsCards: Migration = {
  version: 6,
  name: 'governed workflow runs, run steps (exactly once), decision cards (append-only, FTS5, filter indexes)',
  sql: `
      CREATE TABLE runs (
        id                 TEXT PRIMARY KEY,
        workflow           TEXT NOT NULL,
        title              TEXT NOT NULL,
        manifest_digest    TEXT NOT NULL,
        manifest           TEXT NOT NULL,
        input_contract     TEXT NOT NULL,
        input              TEXT NOT NULL,
        input_digest       TEXT NOT NULL,
        status             TEXT NOT NULL CHECK (status IN ('pending','running','awaiting_approval','compensating','succeeded','failed','rolled_back')),
        actor              TEXT NOT NULL,
        started_by         TEXT NOT NULL,
        tenant             TEXT NOT NULL,
        budget_tokens      INTEGER NOT NULL CHECK (budget_tokens >= 0),
        budget_cost_cents  INTEGER NOT NULL CHECK (budget_cost_cents >= 0),
        budget_wall_ms     INTEGER NOT NULL CHECK (budget_wall_ms >= 0),
        used_tokens        INTEGER NOT NULL DEFAULT 0,
        spent_cents        INTEGER NOT NULL DEFAULT 0,
        active_ms          INTEGER NOT NULL DEFAULT 0,
        segment_started_at TEXT,
        next_step          INTEGER NOT NULL DEFAULT 0,
        lane               TEXT CHECK (lane IN ('GREEN','YELLOW','RED')),
        approval_state     TEXT NOT NULL DEFAULT 'not_required' CHECK (approval_state IN ('not_required','pending','approved','rejected')),
        approval_by        TEXT,
        approval_at        TEXT,
        approval_comment   TEXT,
        awaiting_card      TEXT,
        error              TEXT,
        created_at         TEXT NOT NULL,
        updated_at         TEXT NOT NULL,
        finished_at        TEXT
      ) STRICT;
      CREATE INDEX runs_status ON runs(status, id);
      CREATE INDEX runs_workflow ON runs(workflow, id);

      -- One row per step execution that committed. Exactly once: the row, the step's local side
      -- effects and its audit entry are one transaction, and a step runs at most once per
      -- (manifest digest, step id, input digest).
      CREATE TABLE run_steps (
        run_id              TEXT NOT NULL REFERENCES runs(id),
        step_index          INTEGER NOT NULL,
        step_id             TEXT NOT NULL,
        executor            TEXT NOT NULL,
        manifest_digest     TEXT NOT NULL,
        input_digest        TEXT NOT NULL,
        status              TEXT NOT NULL CHECK (status IN ('succeeded','compensated')),
        output              TEXT NOT NULL,
        tokens              INTEGER NOT NULL,
        cost_cents          INTEGER NOT NULL,
        uncertainty         REAL,
        started_at          TEXT NOT NULL,
        finished_at         TEXT NOT NULL,
        audit_seq           INTEGER NOT NULL REFERENCES audit_log(seq),
        card_id             TEXT,
        compensated_at      TEXT,
        compensation        TEXT,
        compensation_error  TEXT,
        PRIMARY KEY (run_id, step_id),
        UNIQUE (manifest_digest, step_id, input_digest)
      ) STRICT;
      CREATE TRIGGER run_steps_no_delete BEFORE DELETE ON run_steps
        BEGIN SELECT RAISE(ABORT, 'run_steps rows are kept'); END;
      CREATE TRIGGER run_steps_frozen BEFORE UPDATE OF run_id, step_index, step_id, executor, manifest_digest, input_digest,
        output, tokens, cost_cents, uncertainty, started_at, finished_at, audit_seq, card_id ON run_steps
        BEGIN SELECT RAISE(ABORT, 'a finished step is immutable; only its compensation is recorded'); END;

      -- Decision cards: immutable. seq orders them by record time (created_at never decreases).
      CREATE TABLE decision_cards (
        seq          INTEGER PRIMARY KEY,
        id           TEXT NOT NULL UNIQUE,
        kind         TEXT NOT NULL,
        run_id       TEXT NOT NULL,
        step_id      TEXT,
        created_at   TEXT NOT NULL,
        lane         TEXT NOT NULL CHECK (lane IN ('GREEN','YELLOW','RED')),
        status       TEXT NOT NULL CHECK (status IN ('allowed','denied','awaiting_approval','approved','rejected')),
        cost_cents   INTEGER NOT NULL,
        uncertainty  REAL NOT NULL,
        body         TEXT NOT NULL,
        audit_hash   TEXT NOT NULL
      ) STRICT;
      -- Sort indexes: (filter, sort key, seq) so a page is a range scan in keyset order (seq is the
      -- tiebreak); status rides along after seq so a status filter is tested on the index entry,
      -- without reading the row.
      CREATE INDEX cards_created ON decision_cards(created_at, lane);
      CREATE INDEX cards_status ON decision_cards(status);
      CREATE INDEX cards_lane ON decision_cards(lane, seq, status);
      CREATE INDEX cards_lane_cost ON decision_cards(lane, cost_cents, seq, status);
      CREATE INDEX cards_lane_unc ON decision_cards(lane, uncertainty, seq, status);
      CREATE INDEX cards_cost ON decision_cards(cost_cents, seq, status);
      CREATE INDEX cards_unc ON decision_cards(uncertainty, seq, status);
      CREATE INDEX cards_run ON decision_cards(run_id);
      -- Record time never decreases, so seq order is time order and a date range maps to a seq range.
      CREATE TRIGGER decision_cards_time_monotone BEFORE INSERT ON decision_cards
        WHEN NEW.created_at < (SELECT created_at FROM decision_cards ORDER BY created_at DESC LIMIT 1)
        BEGIN SELECT RAISE(ABORT, 'decision_cards.created_at must not decrease'); END;
      CREATE TRIGGER decision_cards_no_update BEFORE UPDATE ON decision_cards
        BEGIN SELECT RAISE(ABORT, 'decision_cards is append-only'); END;
      CREATE TRIGGER decision_cards_no_delete BEFORE DELETE ON decision_cards
        BEGIN SELECT RAISE(ABORT, 'decision_cards is append-only'); END;

      CREATE TABLE card_failed_invariants (
        invariant_id TEXT NOT NULL,
        card_seq     INTEGER NOT NULL REFERENCES decision_cards(seq),
        PRIMARY KEY (invariant_id, card_seq)
      ) STRICT, WITHOUT ROWID;
      CREATE TRIGGER card_failed_invariants_no_update BEFORE UPDATE ON card_failed_invariants
        BEGIN SELECT RAISE(ABORT, 'card_failed_invariants is append-only'); END;
      CREATE TRIGGER card_failed_invariants_no_delete BEFORE DELETE ON card_failed_invariants
        BEGIN SELECT RAISE(ABORT, 'card_failed_invariants is append-only'); END;

      CREATE TABLE card_approvals (
        id          INTEGER PRIMARY KEY,
        card_seq    INTEGER NOT NULL REFERENCES decision_cards(seq),
        state       TEXT NOT NULL CHECK (state IN ('approved','rejected')),
        by          TEXT NOT NULL,
        at          TEXT NOT NULL,
        comment     TEXT,
        audit_hash  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX card_approvals_card ON card_approvals(card_seq, id);
      CREATE TRIGGER card_approvals_no_update BEFORE UPDATE ON card_approvals
        BEGIN SELECT RAISE(ABORT, 'card_approvals is append-only'); END;
      CREATE TRIGGER card_approvals_no_delete BEFORE DELETE ON card_approvals
        BEGIN SELECT RAISE(ABORT, 'card_approvals is append-only'); END;

      -- Full-text index over subject, rationale and reasons; rowid = decision_cards.seq. Contentless:
      -- the text lives in the card body, the index only finds rows.
      CREATE VIRTUAL TABLE cards_fts USING fts5(subject, rationale, reasons, content='', tokenize='porter unicode61 remove_diacritics 2');
    `,
};
