#!/bin/sh
# Run once by the official postgres image when it initializes an empty data directory
# (/docker-entrypoint-initdb.d): creates the role Nemo connects as, nemo_owner (LOGIN; not a
# superuser, no BYPASSRLS; CREATEROLE for the migration that creates nemo_app), and the nemo
# database it owns. Its password is NEMO_OWNER_PASSWORD. ./nemo up does the same for its private
# PostgreSQL (deploy/Nemo.Launcher/Postgres/DatabaseBootstrap.cs).
set -eu
: "${NEMO_OWNER_PASSWORD:?set NEMO_OWNER_PASSWORD to the password in ConnectionStrings__Nemo}"
psql -v ON_ERROR_STOP=1 -v owner_password="$NEMO_OWNER_PASSWORD" --username "${POSTGRES_USER:-postgres}" --dbname postgres <<'SQL'
CREATE ROLE nemo_owner LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB CREATEROLE NOREPLICATION PASSWORD :'owner_password';
CREATE DATABASE nemo OWNER nemo_owner;
SQL
