"""The API's endpoints that the scheduling model decides (appointments.services and
selectors): appointments (`appointments`), patients' profiles, whose visibility follows
their visits (`patients`), and a doctor's free slots and retirement (`doctors`).

healthcare/api_urls.py maps each path to its view.
"""
