-- W&B Server: MySQL server parameters (requirements: current).
-- MySQL 8.0+ as an administrator; on MySQL 5.7 use mysql/wandb.cnf instead.
SET PERSIST binlog_format = 'ROW';
SET PERSIST binlog_row_image = 'MINIMAL';
SET PERSIST sync_binlog = 1;
SET PERSIST innodb_flush_log_at_trx_commit = 1;
SET PERSIST innodb_online_alter_log_max_size = 268435456;
SET PERSIST sort_buffer_size = 67108864;
SET PERSIST max_prepared_stmt_count = 1048576;
