-- Flink SQL exported by riffle-run from `Nexmark q3: local item suggestion`; run it with: sql-client.sh -f THIS_FILE
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

-- transform `category_10` (transform.filter)
CREATE VIEW `category_10` AS
SELECT `_time`, `ts`, `id`, `itemName`, `description`, `initialBid`, `reserve`, `dateTime`, `expires`, `seller`, `category`, `extra`
FROM `auctions`
WHERE (`category` = 10);

-- transform `or_id_ca` (transform.filter)
CREATE VIEW `or_id_ca` AS
SELECT `_time`, `ts`, `id`, `name`, `emailAddress`, `creditCard`, `city`, `state`, `dateTime`, `extra`
FROM `persons`
WHERE (((`state` = 'OR') OR (`state` = 'ID')) OR (`state` = 'CA'));

-- join `join` (join.window)
-- Differs from Riffle: Flink emits a window's pairs when the window closes, Riffle each pair as soon as its second event arrives; the pairs are the same
-- Differs from Riffle: an event whose window has closed is dropped by Flink; Riffle sends it to `errors`
-- Differs from Riffle: `_time` is the window's last millisecond (window_time) in Flink, the later of the two event times in Riffle: a window after the join puts a pair in the same window only when its windows are made of whole join windows
CREATE VIEW `join` AS
SELECT L.window_time AS `_time`, L.`ts` AS `ts`, L.`id` AS `id`, L.`itemName` AS `itemName`, L.`description` AS `description`, L.`initialBid` AS `initialBid`, L.`reserve` AS `reserve`, L.`dateTime` AS `dateTime`, L.`expires` AS `expires`, L.`seller` AS `seller`, L.`category` AS `category`, L.`extra` AS `extra`, R.`ts` AS `right_ts`, R.`id` AS `right_id`, R.`name` AS `name`, R.`emailAddress` AS `emailAddress`, R.`creditCard` AS `creditCard`, R.`city` AS `city`, R.`state` AS `state`, R.`dateTime` AS `right_dateTime`, R.`extra` AS `right_extra`, L.window_start AS `window_start`, L.window_end AS `window_end`
FROM (SELECT *, `seller` AS `_riffle_join_key` FROM TABLE(TUMBLE(TABLE `category_10`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND))) L
JOIN (SELECT *, `id` AS `_riffle_join_key` FROM TABLE(TUMBLE(TABLE `or_id_ca`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND))) R
ON L.`_riffle_join_key` = R.`_riffle_join_key` AND L.window_start = R.window_start AND L.window_end = R.window_end;

-- transform `project` (transform.map)
CREATE VIEW `project` AS
SELECT `_time`,
       `name` AS `name`,
       `city` AS `city`,
       `state` AS `state`,
       `id` AS `id`
FROM `join`;

-- sink `out` (sink.file)
-- Differs from Riffle: Flink writes a folder of part files at `path`, not one file; a CSV has no header row, and times are written as yyyy-MM-dd HH:mm:ss.SSS
CREATE TABLE `out` (
  `_time` TIMESTAMP(3),
  `name` STRING,
  `city` STRING,
  `state` STRING,
  `id` BIGINT
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/flink_q3.jsonl',
  'format' = 'json'
);

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO `out`
  SELECT `_time`, `name`, `city`, `state`, `id` FROM `project`;
END;
