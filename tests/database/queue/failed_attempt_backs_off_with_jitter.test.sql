-- A retryable failure requeues the export after base * 2^(attempt-1), capped, plus at most retry_jitter_ratio of it (the clock is frozen in a transaction).
begin;
select plan(8);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set retry_base_delay = '10 seconds', retry_max_delay = '30 seconds',
  retry_jitter_ratio = 0.25, default_max_attempts = 5;

select exports_tests.request_as('owner') as id \gset

select exports_tests.claim(:'id');
select is(exports.fail_export(export_id => :'id', worker_id => 'worker-1', error_code => 'worker_error'), 'queued', 'a retryable failure requeues the export');
select ok((select next_run_at between now() + interval '10 seconds' and now() + interval '12.5 seconds'
           from exports.exports where export_id = :'id'),
  'after the first attempt it waits 10 to 12.5 seconds');
select is((select error_code || ': ' || error_message from exports.exports where export_id = :'id'),
  'worker_error: ' || (select message from exports.failure_codes where code = 'worker_error'),
  'the last error is kept, with its code''s message');

update exports.exports set next_run_at = now() where export_id = :'id';
select exports_tests.claim(:'id');
select exports.fail_export(export_id => :'id', worker_id => 'worker-1', error_code => 'worker_error');
select ok((select next_run_at between now() + interval '20 seconds' and now() + interval '25 seconds'
           from exports.exports where export_id = :'id'),
  'after the second attempt the wait doubles to 20 to 25 seconds');

update exports.exports set next_run_at = now() where export_id = :'id';
select exports_tests.claim(:'id');
select exports.fail_export(export_id => :'id', worker_id => 'worker-1', error_code => 'worker_error');
select ok((select next_run_at between now() + interval '30 seconds' and now() + interval '37.5 seconds'
           from exports.exports where export_id = :'id'),
  'after the third attempt the wait is capped at retry_max_delay, 30 to 37.5 seconds');

select ok((select bool_and(exports.retry_delay(1) between interval '10 seconds' and interval '12.5 seconds')
           from generate_series(1, 200)),
  'the jitter never goes outside its bounds over many draws');

-- Jitter spreads retries over their whole window: of 200 draws, each quarter
-- of [d, d * 1.25] gets at least one. Uniform draws leave some quarter empty
-- with probability at most 4 * (3/4)^200, about 4e-25; without jitter every
-- draw is d, in the first quarter alone. (A draw rounded up to d * 1.25
-- itself counts in the last quarter.)
select is((select array_agg(distinct q order by q) from (
             select least(width_bucket(extract(epoch from exports.retry_delay(1)), 10, 12.5, 4), 4) as q
             from generate_series(1, 200)) draws),
  array[1, 2, 3, 4], 'the first retry''s delays spread over all of 10 to 12.5 seconds');
select is((select array_agg(distinct q order by q) from (
             select least(width_bucket(extract(epoch from exports.retry_delay(3)), 30, 37.5, 4), 4) as q
             from generate_series(1, 200)) draws),
  array[1, 2, 3, 4], 'and a capped delay is jittered too, over all of 30 to 37.5 seconds');

select * from finish();
rollback;
