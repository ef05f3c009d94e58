-- One push engine for lessons (outbox) and everything else the bot sends on its own (push_outbox): both are claimed
-- in batches with a lease and a claim token, sent outside any transaction, and marked only while the claim is ours.
alter table outbox add column claim_token text;
alter table push_outbox add column claimed_until timestamptz;
alter table push_outbox add column claim_token text;
-- the pruner deletes delivered and failed rows after a retention period
create index outbox_done_idx on outbox (due_at) where status <> 'pending';
create index push_outbox_done_idx on push_outbox (created_at) where status <> 'pending';
-- a push waits while an earlier one to its address is pending: that check, per candidate row of a claim
create index push_outbox_address_idx on push_outbox (channel, address, id) where status = 'pending';
