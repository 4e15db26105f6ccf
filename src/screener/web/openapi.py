"""The OpenAPI 3.0 description served at ``GET /openapi.json`` (contract.md "Input"/"Output")."""
from __future__ import annotations

from typing import Any

_EVIDENCE = {
    "type": "object",
    "description": "One span of one note; start/end are character offsets into that note's text.",
    "properties": {
        "key": {"type": "string"},
        "value": {"nullable": True},
        "note_id": {"type": "string"},
        "start": {"type": "integer", "minimum": 0},
        "end": {"type": "integer", "minimum": 0},
        "text": {"type": "string"},
        "section": {"type": "string", "nullable": True},
        "rule_id": {"type": "string"},
        "negated": {"type": "boolean"},
        "historical": {"type": "boolean"},
        "hypothetical": {"type": "boolean"},
        "family": {"type": "boolean"},
        "uncertain": {"type": "boolean"},
        "note_date": {"type": "string", "format": "date", "nullable": True},
    },
    "required": ["note_id", "start", "end"],
}


def openapi_spec(payers: tuple[str, ...], max_body_bytes: int) -> dict[str, Any]:
    """The API description; ``payers`` and the body limit are the running server's."""
    error = {"description": "One-line reason", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "screener review API",
            "version": "1.0.0",
            "description": (
                "Screens clinical notes for prior authorization of implantable intrathecal drug delivery "
                "systems against payer policies. Results are screening aids for a human reviewer, never a "
                "denial. Local use only: the server binds 127.0.0.1 by default and keeps no data."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/screen": {
                "post": {
                    "summary": "Screen notes; one case record per patient_id",
                    "operationId": "screen",
                    "requestBody": {
                        "required": True,
                        "description": f"A JSON list of notes, or an object with notes, payers and service_date. At most {max_body_bytes} bytes.",
                        "content": {"application/json": {"schema": {"oneOf": [
                            {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
                            {"$ref": "#/components/schemas/ScreenRequest"},
                        ]}}},
                    },
                    "responses": {
                        "200": {"description": "Case records, then error rows for unreadable notes",
                                "content": {"application/json": {"schema": {"type": "array", "items": {"oneOf": [
                                    {"$ref": "#/components/schemas/CaseRecord"}, {"$ref": "#/components/schemas/ErrorRow"}]}}}}},
                        "400": error, "403": error, "411": error, "413": error, "415": error,
                    },
                }
            },
            "/healthz": {"get": {"summary": "Liveness; the pipeline is built", "operationId": "healthz", "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "status": {"type": "string", "enum": ["ok"]}, "payers": {"type": "array", "items": {"type": "string"}}}}}}}}}},
            "/openapi.json": {"get": {"summary": "This description", "operationId": "openapi", "responses": {"200": {"description": "OpenAPI 3 document"}}}},
            "/": {"get": {"summary": "The review page (paste or upload notes)", "operationId": "page",
                          "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}}}},
            "/review": {"post": {"summary": "The review page for pasted or uploaded notes (HTML form post)", "operationId": "review",
                                 "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
                                     "text": {"type": "string"}, "patient_id": {"type": "string"}, "note_id": {"type": "string"},
                                     "note_date": {"type": "string", "format": "date"}, "request_type": {"type": "string"},
                                     "file": {"type": "string", "format": "binary", "description": ".jsonl, .ndjson, .csv, .parquet, .json (FHIR Bundle of DocumentReferences) or .txt"},
                                     "payers": {"type": "array", "items": {"type": "string", "enum": list(payers)}},
                                     "service_date": {"type": "string", "format": "date"}}}}}},
                                 "responses": {"200": {"description": "HTML review page"}, "400": {"description": "HTML page with the reason"}, "413": error}}},
        },
        "components": {"schemas": {
            "Note": {"type": "object", "required": ["patient_id", "note_id", "text"], "properties": {
                "patient_id": {"type": "string", "description": "groups notes into a case"},
                "note_id": {"type": "string", "description": "unique per note"},
                "text": {"type": "string"},
                "note_date": {"type": "string", "format": "date", "nullable": True},
                "request_type": {"type": "string", "enum": ["trial", "permanent", "replacement"], "nullable": True},
                "service_date": {"type": "string", "format": "date", "nullable": True}}},
            "ScreenRequest": {"type": "object", "required": ["notes"], "additionalProperties": False, "properties": {
                "notes": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
                "payers": {"type": "array", "items": {"type": "string", "enum": list(payers)}, "nullable": True,
                           "description": "default: every payer"},
                "service_date": {"type": "string", "format": "date", "nullable": True,
                                 "description": "picks the policy version in force (default: today)"}}},
            "Evidence": _EVIDENCE,
            "Finding": {"type": "object", "properties": {
                "value": {"nullable": True}, "source": {"type": "string"},
                "evidence": {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}},
                "superseded": {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}}}},
            "Criterion": {"type": "object", "properties": {
                "id": {"type": "string"}, "text": {"type": "string", "description": "the policy's words"},
                "cite": {"type": "string"}, "result": {"type": "string", "enum": ["met", "not_met", "missing"]},
                "findings": {"type": "array", "items": {"type": "string"}},
                "evidence": {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}},
                "note": {"type": "string", "description": "e.g. not documented, assumed absent"}}},
            "Determination": {"type": "object", "properties": {
                "status": {"type": "string", "enum": ["meets_criteria", "does_not_meet", "insufficient_documentation",
                                                      "external_criteria", "not_addressed"]},
                "policy": {"type": "string"}, "branch": {"type": "string"},
                "criteria": {"type": "array", "items": {"$ref": "#/components/schemas/Criterion"}},
                "missing": {"type": "array", "items": {"type": "string"}},
                "failed": {"type": "array", "items": {"type": "string"}},
                "reasons": {"type": "array", "items": {"type": "string"}},
                "trace": {"type": "object"}}},
            "CaseRecord": {"type": "object", "required": ["patient_id", "status"], "properties": {
                "patient_id": {"type": "string"}, "status": {"type": "string", "enum": ["ok"]},
                "note_ids": {"type": "array", "items": {"type": "string"}},
                "request_type": {"type": "string", "nullable": True}, "indication": {"type": "string", "nullable": True},
                "service_date": {"type": "string", "format": "date", "nullable": True},
                "findings": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Finding"}},
                "mentions": {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}},
                "determinations": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Determination"}}}},
            "ErrorRow": {"type": "object", "required": ["status", "error"], "properties": {
                "patient_id": {"type": "string", "nullable": True}, "note_id": {"type": "string", "nullable": True},
                "status": {"type": "string", "enum": ["error"]},
                "error": {"type": "string", "description": "E2xx one-line reason"}}},
            "Error": {"type": "object", "required": ["status", "error"], "properties": {
                "status": {"type": "integer"}, "error": {"type": "string", "description": "one-line reason"}}},
        }},
    }
