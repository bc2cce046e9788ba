SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION';
-- W&B Server: database wandb_local and user wandb_local (profile acme-prod).
-- Run as an administrator: mysql -h HOST -u ADMIN -p < bootstrap.sql  (safe to re-run)
SET NAMES utf8mb4;
CREATE DATABASE IF NOT EXISTS `wandb_local` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
CREATE USER IF NOT EXISTS 'wandb_local'@'%' IDENTIFIED BY '${WANDB_DB_PASSWORD}';
ALTER USER 'wandb_local'@'%' IDENTIFIED BY '${WANDB_DB_PASSWORD}';
GRANT ALL ON `wandb_local`.* TO 'wandb_local'@'%';
