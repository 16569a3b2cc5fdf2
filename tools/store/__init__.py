"""Store: the workspace on disk. One atomic writer; datasets loaded once and reopened by name (``load_accounts``,
``open_dataset``), the company profile, and the index that finds a company by name. Imports core and ingest.
"""
