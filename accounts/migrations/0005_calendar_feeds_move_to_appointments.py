"""Calendar feeds move to the appointments app (appointments 0005 takes them over).

Only the table's name changes in the database (accounts_calendarfeed becomes
appointments_calendarfeed); its rows, indexes and constraint stay as they are. Django's
state forgets the model here and appointments 0005 declares it again, unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_email_confirmed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="calendarfeed", table="appointments_calendarfeed"),
            ],
            state_operations=[
                migrations.DeleteModel(name="CalendarFeed"),
            ],
        ),
    ]
