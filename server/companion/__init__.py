"""The WeChat companion service: message endpoint, resident (/h5/) and field staff (/staff/)
pages. It keeps no state outside PostgreSQL, so several copies can run behind a proxy."""
