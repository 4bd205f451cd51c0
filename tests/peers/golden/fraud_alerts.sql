-- Flink SQL exported by riffle-run from `Fraud alerts`; run it with: sql-client.sh -f THIS_FILE
-- Event times are UTC.
SET 'table.local-time-zone' = 'UTC';

-- source `clicks` (source.file)
-- Differs from Riffle: a malformed line fails the Flink job; Riffle sends it to `errors`
-- Differs from Riffle: Flink's watermark trails the newest event by 1 ms more than Riffle's (bounded out-of-orderness), so an event exactly `max_out_of_orderness` late counts in Riffle and is late in Flink
CREATE TABLE `clicks` (
  `ts` BIGINT,
  `user_id` BIGINT,
  `session_id` STRING,
  `page` STRING,
  `event` STRING,
  `referrer` STRING,
  `country` STRING,
  `device` STRING,
  `latency_ms` BIGINT,
  `amount` DOUBLE,
  `_time` AS CAST(TO_TIMESTAMP_LTZ(`ts`, 3) AS TIMESTAMP(3)),
  WATERMARK FOR `_time` AS `_time` - INTERVAL '2' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/clicks.jsonl',
  'format' = 'json'
);

-- transform `purchases` (transform.filter)
CREATE VIEW `purchases` AS
SELECT `_time`, `ts`, `user_id`, `session_id`, `page`, `event`, `referrer`, `country`, `device`, `latency_ms`, `amount`
FROM `clicks`
WHERE (`event` = 'purchase');

-- window `per_user` (window.hopping)
-- Differs from Riffle: `_time` is window_end - 1 ms in Flink (millisecond times) and window_end - 1 us in Riffle
CREATE VIEW `per_user` AS
SELECT window_time AS `_time`, `user_id`, COUNT(*) AS `purchases`, SUM(`amount`) AS `spent`, window_start AS `window_start`, window_end AS `window_end`, TRUE AS `final`
FROM TABLE(HOP(TABLE `purchases`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND, INTERVAL '60' SECOND))
GROUP BY window_start, window_end, window_time, `user_id`;

-- alert `burst` (alert.threshold)
-- Differs from Riffle: Flink judges a group's events in event-time order once the watermark passes them and drops late ones; Riffle judges them in arrival order
-- Differs from Riffle: values in `message` are written by Flink's CAST(... AS STRING): floats as Java writes them (1.0E7), times as yyyy-MM-dd HH:mm:ss.SSS, booleans as TRUE / FALSE
CREATE VIEW `burst__changes` AS
SELECT * FROM (
  SELECT *, COALESCE(LAG(`_riffle_holds`) OVER (PARTITION BY `user_id` ORDER BY `_time`), FALSE) AS `_riffle_held`
  FROM (SELECT *, COALESCE((`purchases` >= 3), FALSE) AS `_riffle_holds` FROM `per_user`))
WHERE `_riffle_holds` <> `_riffle_held`;
CREATE VIEW `burst` AS
SELECT `_time`, `user_id`,
  CASE WHEN `_riffle_holds` THEN 'firing' ELSE 'resolved' END AS `state`,
  CASE WHEN `_riffle_holds` THEN CAST(`_time` AS TIMESTAMP(3)) ELSE LAG(CAST(`_time` AS TIMESTAMP(3))) OVER (PARTITION BY `user_id` ORDER BY `_time`) END AS `since`,
  CONCAT('user ', COALESCE(CAST(`user_id` AS STRING), 'NULL'), ': ', COALESCE(CAST(`purchases` AS STRING), 'NULL'), ' purchases for ', COALESCE(CAST(`spent` AS STRING), 'NULL'), ' in one minute') AS `message`
FROM `burst__changes`;

-- sink `alerts_db` (sink.sqlite)
-- Differs from Riffle: Flink's JDBC connector has no SQLite dialect: the rows of table `alerts` are written as JSON Lines part files into the folder DIR/out/fraud/alerts
CREATE TABLE `alerts_db` (
  `_time` TIMESTAMP(3),
  `user_id` BIGINT,
  `state` STRING,
  `since` TIMESTAMP(3),
  `message` STRING
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/out/fraud/alerts',
  'format' = 'json'
);

-- sink `alerts_log` (sink.log)
-- Differs from Riffle: Flink's print connector writes every row to the task manager's standard output; Riffle prints the first `limit`
CREATE TABLE `alerts_log` (
  `_time` TIMESTAMP(3),
  `user_id` BIGINT,
  `state` STRING,
  `since` TIMESTAMP(3),
  `message` STRING
) WITH (
  'connector' = 'print',
  'print-identifier' = 'alerts_log'
);

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO `alerts_db`
  SELECT `_time`, `user_id`, `state`, `since`, `message` FROM `burst`;
  INSERT INTO `alerts_log`
  SELECT `_time`, `user_id`, `state`, `since`, `message` FROM `burst`;
END;
