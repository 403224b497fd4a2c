-- Brightwater Instruments: the analytics warehouse (served by the duckdb MCP server, loaded with --init-sql).
-- It complements the sqlite database: order ids, SKUs, customer ids and employee ids are the same keys.
-- All timestamps are UTC.

CREATE TABLE shipments (
    order_id VARCHAR PRIMARY KEY,
    carrier VARCHAR NOT NULL,
    tracking_no VARCHAR NOT NULL,
    ship_office_id VARCHAR NOT NULL,
    shipped_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP            -- NULL while in transit
);

CREATE TABLE support_tickets (
    ticket_id VARCHAR PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    order_id VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,              -- NULL while open
    severity INTEGER NOT NULL,        -- 1 = critical … 4 = question
    assignee_id INTEGER NOT NULL,     -- employees.employee_id in the sqlite database
    summary VARCHAR NOT NULL,
    fixed_in_version VARCHAR          -- firmware release tag without the leading 'v', NULL when no code fix
);

CREATE TABLE sales_targets (
    office_id VARCHAR NOT NULL,
    quarter VARCHAR NOT NULL,         -- e.g. 2026-Q3
    target_eur DECIMAL(10, 2) NOT NULL,
    PRIMARY KEY (office_id, quarter)
);

INSERT INTO shipments VALUES
  ('SO-1001', 'CTT Expresso', 'CT104501PT', 'LIS', '2026-01-16 09:20:00', '2026-01-17 14:05:00'),
  ('SO-1002', 'UPS',          '1Z88A10022', 'DEN', '2026-01-23 17:45:00', '2026-01-26 19:30:00'),
  ('SO-1003', 'SingPost',     'SP30031003', 'SIN', '2026-02-04 02:10:00', '2026-02-05 06:40:00'),
  ('SO-1004', 'DHL',          'DH40041004', 'LIS', '2026-02-19 10:00:00', '2026-02-23 12:15:00'),
  ('SO-1005', 'NZ Post',      'NZ50051005', 'AKL', '2026-03-05 22:30:00', '2026-03-07 01:00:00'),
  ('SO-1006', 'UPS',          '1Z88A10066', 'DEN', '2026-03-20 16:00:00', '2026-03-21 18:20:00'),
  ('SO-1007', 'CTT Expresso', 'CT107007PT', 'LIS', '2026-04-03 08:45:00', '2026-04-06 11:30:00'),
  ('SO-1008', 'SingPost',     'SP80081008', 'SIN', '2026-04-22 03:15:00', '2026-04-23 05:00:00'),
  ('SO-1009', 'NZ Post',      'NZ90091009', 'AKL', '2026-05-06 21:00:00', '2026-05-08 23:45:00'),
  ('SO-1010', 'UPS',          '1Z88A10100', 'DEN', '2026-05-29 15:30:00', '2026-06-02 17:10:00'),
  ('SO-1011', 'CTT Expresso', 'CT111011PT', 'LIS', '2026-06-12 09:00:00', '2026-06-13 13:25:00'),
  ('SO-1012', 'UPS',          '1Z88A10122', 'DEN', '2026-07-09 16:20:00', '2026-07-11 18:00:00'),
  ('SO-1013', 'SingPost',     'SP13131013', 'SIN', '2026-07-24 01:50:00', '2026-07-25 04:30:00'),
  ('SO-1014', 'DHL',          'DH14141014', 'LIS', '2026-08-13 10:40:00', '2026-08-17 09:55:00'),
  ('SO-1015', 'NZ Post',      'NZ15151015', 'AKL', '2026-09-01 23:10:00', '2026-09-03 02:20:00'),
  ('SO-1016', 'UPS',          '1Z88A10166', 'DEN', '2026-09-10 15:00:00', '2026-09-12 16:45:00'),
  ('SO-1018', 'UPS',          '1Z88A10188', 'DEN', '2026-10-02 15:30:00', NULL);

INSERT INTO support_tickets VALUES
  ('T-2024', 3,  'SO-1003', 'BW-AQ-310', '2026-02-16 01:15:00', '2026-03-19 08:00:00', 3, 3,  'PM2.5 readings drift upward after about 30 days in humid sites', '2.3.0'),
  ('T-2027', 5,  'SO-1004', 'BW-AN-110', '2026-04-10 07:30:00', '2026-04-12 10:00:00', 4, 10, 'Replacement advice for the discontinued anemometer kit', NULL),
  ('T-2029', 4,  'SO-1005', 'BW-GW-900', '2026-05-14 03:45:00', '2026-06-30 20:00:00', 2, 4,  'Gateway drops packets with more than 40 nodes attached', '2.4.0'),
  ('T-2031', 2,  'SO-1012', 'BW-WS-200', '2026-07-15 16:40:00', '2026-07-29 09:00:00', 1, 4,  'Wind speed reported in km/h instead of m/s after updating to 2.4.0', '2.4.1'),
  ('T-2033', 9,  'SO-1009', 'BW-WQ-420', '2026-06-02 04:20:00', '2026-07-01 01:10:00', 3, 3,  'Conductivity calibration off below 5 degrees C', '2.4.0'),
  ('T-2036', 10, 'SO-1010', 'BW-GW-900', '2026-10-02 06:10:00', NULL,                  2, 12, 'Gateways stopped syncing to the cloud dashboard during the 2026-10-02 outage', NULL),
  ('T-2037', 6,  'SO-1016', 'BW-WS-100', '2026-09-22 15:05:00', '2026-09-24 16:30:00', 4, 12, 'Which mounting bracket fits a 60 mm pole', NULL),
  ('T-2038', 1,  'SO-1011', 'BW-WQ-420', '2026-10-05 09:30:00', NULL,                  3, 10, 'Firmware update to 2.4.1 fails on two probes; customer asks for the 2.5.0 date', NULL);

INSERT INTO sales_targets VALUES
  ('LIS', '2026-Q1', 16000), ('DEN', '2026-Q1', 10000), ('SIN', '2026-Q1', 9000),  ('AKL', '2026-Q1', 3000),
  ('LIS', '2026-Q2', 12000), ('DEN', '2026-Q2', 6000),  ('SIN', '2026-Q2', 10000), ('AKL', '2026-Q2', 10000),
  ('LIS', '2026-Q3', 14000), ('DEN', '2026-Q3', 6000),  ('SIN', '2026-Q3', 15000), ('AKL', '2026-Q3', 7000),
  ('LIS', '2026-Q4', 12000), ('DEN', '2026-Q4', 8000),  ('SIN', '2026-Q4', 8000),  ('AKL', '2026-Q4', 12000);
