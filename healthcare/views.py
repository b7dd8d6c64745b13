from django.shortcuts import render

from doctors.models import Specialty


def home(request):
    """The front page: what the clinic offers and a way straight into the directory."""
    specialties = Specialty.objects.all()
    return render(request, "home.html", {"specialties": specialties})
