"""The web app on WEB_PORT (app.py): the programme page with the widget (site.py) and the staff
review page, a sub-application at /review (review.py, review_api.py, review_data.py); its HTML
comes from the Jinja2 templates of templates/."""
