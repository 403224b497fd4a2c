-- Brightwater Instruments: the operational database (served by the sqlite MCP server).
-- Prices are in EUR. Dates are ISO 8601 (YYYY-MM-DD). Every id here is referenced from the other world sources:
-- employees author the git history, order ids appear in docs and support tickets, SKUs name firmware device files.
PRAGMA foreign_keys = ON;

CREATE TABLE offices (
    office_id TEXT PRIMARY KEY,          -- three-letter code
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    timezone TEXT NOT NULL,              -- IANA timezone name
    opened TEXT NOT NULL,
    head_employee_id INTEGER             -- employees.employee_id
);

CREATE TABLE employees (
    employee_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,          -- also their git author email
    title TEXT NOT NULL,
    department TEXT NOT NULL,
    office_id TEXT NOT NULL REFERENCES offices(office_id),
    manager_id INTEGER REFERENCES employees(employee_id),
    hired TEXT NOT NULL
);

CREATE TABLE products (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    list_price REAL NOT NULL,            -- current list price, EUR
    launched TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'discontinued'))
);

CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    city TEXT NOT NULL,
    segment TEXT NOT NULL,
    account_manager_id INTEGER NOT NULL REFERENCES employees(employee_id),
    customer_since TEXT NOT NULL
);

CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(customer_id),
    order_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'shipped', 'delivered', 'returned', 'cancelled')),
    sales_rep_id INTEGER NOT NULL REFERENCES employees(employee_id),
    ship_office_id TEXT NOT NULL REFERENCES offices(office_id)
);

CREATE TABLE order_items (
    order_id TEXT NOT NULL REFERENCES orders(order_id),
    sku TEXT NOT NULL REFERENCES products(sku),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price REAL NOT NULL,            -- price actually charged, EUR (discounts and old list prices differ)
    PRIMARY KEY (order_id, sku)
);

INSERT INTO offices VALUES
  ('LIS', 'Lisbon',    'Portugal',      'Europe/Lisbon',    '2019-05-02', 1),
  ('DEN', 'Denver',    'United States', 'America/Denver',   '2021-09-13', 4),
  ('SIN', 'Singapore', 'Singapore',     'Asia/Singapore',   '2022-03-01', 9),
  ('AKL', 'Auckland',  'New Zealand',   'Pacific/Auckland', '2023-08-21', 5);

INSERT INTO employees VALUES
  (1,  'Marta Quintela',  'marta.quintela@brightwater.example',  'Chief Executive Officer', 'Management', 'LIS', NULL, '2019-05-02'),
  (2,  'Tomás Reis',      'tomas.reis@brightwater.example',      'Head of Firmware',        'Engineering', 'LIS', 1, '2019-07-15'),
  (3,  'Priya Raman',     'priya.raman@brightwater.example',     'Firmware Engineer',       'Engineering', 'SIN', 2, '2022-04-04'),
  (4,  'Jonah Whitfield', 'jonah.whitfield@brightwater.example', 'Firmware Engineer',       'Engineering', 'DEN', 2, '2021-09-13'),
  (5,  'Aroha Ngata',     'aroha.ngata@brightwater.example',     'Hardware Lead',           'Engineering', 'AKL', 1, '2023-08-21'),
  (6,  'Lena Vogt',       'lena.vogt@brightwater.example',       'Sales Director',          'Sales',       'LIS', 1, '2020-02-10'),
  (7,  'Carlos Mendes',   'carlos.mendes@brightwater.example',   'Account Manager',         'Sales',       'LIS', 6, '2020-06-01'),
  (8,  'Hannah Brooks',   'hannah.brooks@brightwater.example',   'Account Manager',         'Sales',       'DEN', 6, '2021-10-04'),
  (9,  'Wei Ling Tan',    'weiling.tan@brightwater.example',     'Account Manager',         'Sales',       'SIN', 6, '2022-03-01'),
  (10, 'Rawiri Parata',   'rawiri.parata@brightwater.example',   'Support Engineer',        'Support',     'AKL', 5, '2023-09-04'),
  (11, 'Sofia Almeida',   'sofia.almeida@brightwater.example',   'Operations Manager',      'Operations',  'LIS', 1, '2019-11-18'),
  (12, 'Ethan Cole',      'ethan.cole@brightwater.example',      'Support Engineer',        'Support',     'DEN', 5, '2024-01-08');

INSERT INTO products VALUES
  ('BW-WS-100', 'Weather Station Mini',            'weather',     480.00,  '2023-03-01', 'active'),
  ('BW-WS-200', 'Weather Station Pro',             'weather',     1150.00, '2024-02-15', 'active'),
  ('BW-AQ-310', 'Air Quality Monitor',             'air',         1350.00, '2024-09-01', 'active'),
  ('BW-WQ-420', 'Water Quality Probe',             'water',       2275.00, '2025-01-20', 'active'),
  ('BW-SM-050', 'Soil Moisture Stake',             'soil',        95.00,   '2022-06-10', 'active'),
  ('BW-GW-900', 'LoRa Gateway',                    'network',     640.00,  '2023-11-05', 'active'),
  ('BW-AN-110', 'Anemometer Kit',                  'weather',     210.00,  '2021-04-12', 'discontinued'),
  ('BW-CL-001', 'Cloud Dashboard annual licence',  'software',    360.00,  '2024-01-01', 'active');

INSERT INTO customers VALUES
  (1,  'Tejo River Authority',       'Portugal',      'Lisbon',       'government',  7, '2020-09-01'),
  (2,  'Rocky Mountain AgriCo',      'United States', 'Fort Collins', 'agriculture', 8, '2021-11-15'),
  (3,  'Marina Bay Facilities',      'Singapore',     'Singapore',    'facilities',  9, '2022-05-20'),
  (4,  'Waikato Dairy Cooperative',  'New Zealand',   'Hamilton',     'agriculture', 9, '2023-10-02'),
  (5,  'Nordsee Wind GmbH',          'Germany',       'Bremen',       'energy',      7, '2021-03-08'),
  (6,  'Colorado State Parks',       'United States', 'Denver',       'government',  8, '2022-01-17'),
  (7,  'Porto Vinhos Lda',           'Portugal',      'Porto',        'agriculture', 7, '2024-02-26'),
  (8,  'Sentosa Green Labs',         'Singapore',     'Singapore',    'research',    9, '2024-06-11'),
  (9,  'Canterbury Water Trust',     'New Zealand',   'Christchurch', 'government',  9, '2025-01-13'),
  (10, 'Great Plains Solar',         'United States', 'Amarillo',     'energy',      8, '2025-04-07');

INSERT INTO orders VALUES
  ('SO-1001', 1,  '2026-01-14', 'delivered', 7, 'LIS'),
  ('SO-1002', 2,  '2026-01-22', 'delivered', 8, 'DEN'),
  ('SO-1003', 3,  '2026-02-03', 'delivered', 9, 'SIN'),
  ('SO-1004', 5,  '2026-02-17', 'delivered', 7, 'LIS'),
  ('SO-1005', 4,  '2026-03-05', 'delivered', 9, 'AKL'),
  ('SO-1006', 6,  '2026-03-19', 'delivered', 8, 'DEN'),
  ('SO-1007', 7,  '2026-04-02', 'delivered', 7, 'LIS'),
  ('SO-1008', 8,  '2026-04-21', 'delivered', 9, 'SIN'),
  ('SO-1009', 9,  '2026-05-06', 'delivered', 9, 'AKL'),
  ('SO-1010', 10, '2026-05-28', 'delivered', 8, 'DEN'),
  ('SO-1011', 1,  '2026-06-11', 'delivered', 7, 'LIS'),
  ('SO-1012', 2,  '2026-07-08', 'returned',  8, 'DEN'),
  ('SO-1013', 3,  '2026-07-23', 'delivered', 9, 'SIN'),
  ('SO-1014', 5,  '2026-08-12', 'delivered', 7, 'LIS'),
  ('SO-1015', 4,  '2026-09-01', 'delivered', 9, 'AKL'),
  ('SO-1016', 6,  '2026-09-09', 'delivered', 8, 'DEN'),
  ('SO-1017', 8,  '2026-09-16', 'cancelled', 9, 'SIN'),
  ('SO-1018', 10, '2026-10-01', 'shipped',   8, 'DEN'),
  ('SO-1019', 9,  '2026-10-08', 'pending',   9, 'AKL'),
  ('SO-1020', 7,  '2026-10-14', 'pending',   7, 'LIS');

INSERT INTO order_items VALUES
  ('SO-1001', 'BW-WQ-420', 3,  2275.00),
  ('SO-1001', 'BW-GW-900', 1,  640.00),
  ('SO-1002', 'BW-SM-050', 40, 90.00),
  ('SO-1002', 'BW-GW-900', 2,  640.00),
  ('SO-1003', 'BW-AQ-310', 6,  1290.00),
  ('SO-1003', 'BW-CL-001', 6,  360.00),
  ('SO-1004', 'BW-WS-200', 5,  1150.00),
  ('SO-1004', 'BW-AN-110', 5,  210.00),
  ('SO-1005', 'BW-SM-050', 25, 95.00),
  ('SO-1005', 'BW-GW-900', 1,  640.00),
  ('SO-1006', 'BW-WS-100', 8,  480.00),
  ('SO-1006', 'BW-CL-001', 2,  360.00),
  ('SO-1007', 'BW-SM-050', 30, 95.00),
  ('SO-1007', 'BW-WS-100', 2,  480.00),
  ('SO-1008', 'BW-AQ-310', 4,  1290.00),
  ('SO-1008', 'BW-WQ-420', 2,  2275.00),
  ('SO-1009', 'BW-WQ-420', 5,  2160.00),
  ('SO-1009', 'BW-GW-900', 2,  640.00),
  ('SO-1010', 'BW-WS-200', 3,  1150.00),
  ('SO-1010', 'BW-GW-900', 1,  640.00),
  ('SO-1010', 'BW-CL-001', 3,  360.00),
  ('SO-1011', 'BW-WQ-420', 2,  2275.00),
  ('SO-1012', 'BW-WS-200', 4,  1150.00),
  ('SO-1013', 'BW-AQ-310', 10, 1225.00),
  ('SO-1013', 'BW-CL-001', 10, 360.00),
  ('SO-1014', 'BW-WS-200', 6,  1150.00),
  ('SO-1014', 'BW-GW-900', 2,  640.00),
  ('SO-1015', 'BW-SM-050', 50, 90.00),
  ('SO-1015', 'BW-GW-900', 3,  640.00),
  ('SO-1016', 'BW-WS-100', 5,  480.00),
  ('SO-1017', 'BW-AQ-310', 3,  1290.00),
  ('SO-1018', 'BW-WS-200', 2,  1150.00),
  ('SO-1018', 'BW-AQ-310', 2,  1350.00),
  ('SO-1019', 'BW-WQ-420', 4,  2275.00),
  ('SO-1019', 'BW-CL-001', 4,  360.00),
  ('SO-1020', 'BW-AQ-310', 5,  1350.00),
  ('SO-1020', 'BW-GW-900', 1,  640.00);
