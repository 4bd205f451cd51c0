-- Flink SQL exported by riffle-run from `Nexmark q8: monitor new users`; run it with: sql-client.sh -f THIS_FILE
-- Event times are UTC.
SET 'table.local-time-zone' = 'UTC';

-- source `auctions` (source.file)
-- Differs from Riffle: a malformed line fails the Flink job; Riffle sends it to `errors`
-- Differs from Riffle: Flink's watermark trails the newest event by 1 ms more than Riffle's (bounded out-of-orderness), so an event exactly `max_out_of_orderness` late counts in Riffle and is late in Flink
CREATE TABLE `auctions` (
  `ts` BIGINT,
  `id` BIGINT,
  `itemName` STRING,
  `description` STRING,
  `initialBid` BIGINT,
  `reserve` BIGINT,
  `dateTime` STRING,
  `expires` STRING,
  `seller` BIGINT,
  `category` BIGINT,
  `extra` STRING,
  `_time` AS CAST(TO_TIMESTAMP_LTZ(`ts`, 3) AS TIMESTAMP(3)),
  WATERMARK FOR `_time` AS `_time` - INTERVAL '10' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/auctions.jsonl',
  'format' = 'json'
);

-- source `persons` (source.file)
-- Differs from Riffle: a malformed line fails the Flink job; Riffle sends it to `errors`
-- Differs from Riffle: Flink's watermark trails the newest event by 1 ms more than Riffle's (bounded out-of-orderness), so an event exactly `max_out_of_orderness` late counts in Riffle and is late in Flink
CREATE TABLE `persons` (
  `ts` BIGINT,
  `id` BIGINT,
  `name` STRING,
  `emailAddress` STRING,
  `creditCard` STRING,
  `city` STRING,
  `state` STRING,
  `dateTime` STRING,
  `extra` STRING,
  `_time` AS CAST(TO_TIMESTAMP_LTZ(`ts`, 3) AS TIMESTAMP(3)),
  WATERMARK FOR `_time` AS `_time` - INTERVAL '10' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/persons.jsonl',
  'format' = 'json'
);

-- window `sellers` (window.tumbling)
-- Differs from Riffle: `_time` is window_end - 1 ms in Flink (millisecond times) and window_end - 1 us in Riffle
CREATE VIEW `sellers` AS
SELECT window_time AS `_time`, `seller`, COUNT(*) AS `auctions`, window_start AS `window_start`, window_end AS `window_end`, TRUE AS `final`
FROM TABLE(TUMBLE(TABLE `auctions`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, window_time, `seller`;

-- transform `seller_only` (transform.map)
CREATE VIEW `seller_only` AS
SELECT `_time`,
       `seller` AS `seller`
FROM `sellers`;

-- join `join` (join.window)
-- Differs from Riffle: Flink emits a window's pairs when the window closes, Riffle each pair as soon as its second event arrives; the pairs are the same
-- Differs from Riffle: an event whose window has closed is dropped by Flink; Riffle sends it to `errors`
-- Differs from Riffle: `_time` is the window's last millisecond (window_time) in Flink, the later of the two event times in Riffle: a window after the join puts a pair in the same window only when its windows are made of whole join windows
CREATE VIEW `join` AS
SELECT L.window_time AS `_time`, L.`ts` AS `ts`, L.`id` AS `id`, L.`name` AS `name`, L.`emailAddress` AS `emailAddress`, L.`creditCard` AS `creditCard`, L.`city` AS `city`, L.`state` AS `state`, L.`dateTime` AS `dateTime`, L.`extra` AS `extra`, R.`seller` AS `seller`, L.window_start AS `window_start`, L.window_end AS `window_end`
FROM (SELECT *, `id` AS `_riffle_join_key` FROM TABLE(TUMBLE(TABLE `persons`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND))) L
JOIN (SELECT *, `seller` AS `_riffle_join_key` FROM TABLE(TUMBLE(TABLE `seller_only`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND))) R
ON L.`_riffle_join_key` = R.`_riffle_join_key` AND L.window_start = R.window_start AND L.window_end = R.window_end;

-- transform `project` (transform.map)
CREATE VIEW `project` AS
SELECT `_time`,
       `id` AS `id`,
       `name` AS `name`,
       `window_start` AS `starttime`
FROM `join`;

-- sink `out` (sink.file)
-- Differs from Riffle: Flink writes a folder of part files at `path`, not one file; a CSV has no header row, and times are written as yyyy-MM-dd HH:mm:ss.SSS
CREATE TABLE `out` (
  `_time` TIMESTAMP(3),
  `id` BIGINT,
  `name` STRING,
  `starttime` TIMESTAMP(3)
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/flink_q8.jsonl',
  'format' = 'json'
);

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO `out`
  SELECT `_time`, `id`, `name`, `starttime` FROM `project`;
END;
