-- Flink SQL exported by riffle-run from `Nexmark q7: highest bid`; run it with: sql-client.sh -f THIS_FILE
-- Event times are UTC.
SET 'table.local-time-zone' = 'UTC';

-- source `nexmark` (source.file)
-- Differs from Riffle: a malformed line fails the Flink job; Riffle sends it to `errors`
-- Differs from Riffle: Flink's watermark trails the newest event by 1 ms more than Riffle's (bounded out-of-orderness), so an event exactly `max_out_of_orderness` late counts in Riffle and is late in Flink
CREATE TABLE `nexmark` (
  `ts` BIGINT,
  `auction` BIGINT,
  `bidder` BIGINT,
  `price` BIGINT,
  `channel` STRING,
  `url` STRING,
  `dateTime` STRING,
  `extra` STRING,
  `_time` AS CAST(TO_TIMESTAMP_LTZ(`ts`, 3) AS TIMESTAMP(3)),
  WATERMARK FOR `_time` AS `_time` - INTERVAL '10' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/bids.jsonl',
  'format' = 'json'
);

-- window `max_price` (window.tumbling)
-- Differs from Riffle: `_time` is window_end - 1 ms in Flink (millisecond times) and window_end - 1 us in Riffle
CREATE VIEW `max_price` AS
SELECT window_time AS `_time`, MAX(`price`) AS `maxprice`, window_start AS `window_start`, window_end AS `window_end`, TRUE AS `final`
FROM TABLE(TUMBLE(TABLE `nexmark`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, window_time;

-- transform `maxprice_only` (transform.map)
CREATE VIEW `maxprice_only` AS
SELECT `_time`,
       `maxprice` AS `maxprice`
FROM `max_price`;

-- join `join` (join.window)
-- Differs from Riffle: Flink emits a window's pairs when the window closes, Riffle each pair as soon as its second event arrives; the pairs are the same
-- Differs from Riffle: an event whose window has closed is dropped by Flink; Riffle sends it to `errors`
-- Differs from Riffle: `_time` is the window's last millisecond (window_time) in Flink, the later of the two event times in Riffle: a window after the join puts a pair in the same window only when its windows are made of whole join windows
CREATE VIEW `join` AS
SELECT L.window_time AS `_time`, L.`ts` AS `ts`, L.`auction` AS `auction`, L.`bidder` AS `bidder`, L.`price` AS `price`, L.`channel` AS `channel`, L.`url` AS `url`, L.`dateTime` AS `dateTime`, L.`extra` AS `extra`, R.`maxprice` AS `maxprice`, L.window_start AS `window_start`, L.window_end AS `window_end`
FROM (SELECT *, `price` AS `_riffle_join_key` FROM TABLE(TUMBLE(TABLE `nexmark`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND))) L
JOIN (SELECT *, `maxprice` AS `_riffle_join_key` FROM TABLE(TUMBLE(TABLE `maxprice_only`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND))) R
ON L.`_riffle_join_key` = R.`_riffle_join_key` AND L.window_start = R.window_start AND L.window_end = R.window_end;

-- transform `project` (transform.map)
CREATE VIEW `project` AS
SELECT `_time`,
       `auction` AS `auction`,
       `price` AS `price`,
       `bidder` AS `bidder`,
       `dateTime` AS `dateTime`,
       `extra` AS `extra`
FROM `join`;

-- sink `out` (sink.file)
-- Differs from Riffle: Flink writes a folder of part files at `path`, not one file; a CSV has no header row, and times are written as yyyy-MM-dd HH:mm:ss.SSS
CREATE TABLE `out` (
  `_time` TIMESTAMP(3),
  `auction` BIGINT,
  `price` BIGINT,
  `bidder` BIGINT,
  `dateTime` STRING,
  `extra` STRING
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/flink_q7.jsonl',
  'format' = 'json'
);

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO `out`
  SELECT `_time`, `auction`, `price`, `bidder`, `dateTime`, `extra` FROM `project`;
END;
